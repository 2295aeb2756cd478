"""Made-up names and places for simulated customers (ASCII names, so emails stay simple)."""

FIRST_NAMES = (
    "Ana", "Carlos", "Maria", "Jose", "Lucia", "Miguel", "Sofia", "Juan", "Valeria", "Diego",
    "Camila", "Luis", "Gabriela", "Jorge", "Daniela", "Ricardo", "Paola", "Fernando", "Andrea",
    "Roberto", "Elena", "Mario", "Isabel", "Oscar", "Claudia", "Rafael", "Patricia", "Hector",
    "Monica", "Alejandro", "Veronica", "Francisco", "Natalia", "Eduardo", "Carmen", "Sergio",
    "Laura", "Pablo", "Beatriz", "Manuel", "Rosa", "Andres", "Julia", "Victor", "Silvia",
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Chloe", "Samuel",
)  # fmt: skip

LAST_NAMES = (
    "Hernandez", "Martinez", "Lopez", "Garcia", "Rodriguez", "Perez", "Sanchez", "Ramirez",
    "Flores", "Rivera", "Gomez", "Diaz", "Cruz", "Morales", "Reyes", "Ortiz", "Castillo",
    "Romero", "Alvarado", "Mejia", "Guzman", "Aguilar", "Vasquez", "Chavez", "Menjivar",
    "Portillo", "Escobar", "Orellana", "Navarro", "Campos", "Quintanilla", "Rosales", "Molina",
    "Bonilla", "Fuentes", "Smith", "Johnson", "Brown", "Miller", "Davis", "Wilson", "Moore",
)  # fmt: skip

CITIES = (
    "San Salvador", "Santa Ana", "San Miguel", "Soyapango", "Santa Tecla", "Mejicanos",
    "Apopa", "Delgado", "Ahuachapan", "Sonsonate", "Usulutan", "La Libertad", "Chalatenango",
)  # fmt: skip

STREETS = (
    "Calle Arce", "Avenida Espana", "Paseo General Escalon", "Calle La Mascota",
    "Boulevard de Los Heroes", "Avenida Masferrer", "Calle El Mirador", "Calle Rubén Dario",
    "Avenida Olimpica", "Calle Padres Aguilar", "Boulevard del Hipodromo", "Calle Loma Linda",
)  # fmt: skip

COMPANY_WORDS = (
    "Volcan", "Pacifico", "Cuscatlan", "Maya", "Izalco", "Lempa", "Coatepeque", "Jaguar",
    "Quetzal", "Sol", "Cafe", "Bitcoin", "Playa", "Montana", "Conchagua", "Ilopango",
)  # fmt: skip

COMPANY_SUFFIXES = ("S.A. de C.V.", "Ltda.", "Holdings", "Trading", "Capital", "Group")

NATIONALITIES = ("SV",) * 14 + ("GT", "HN", "US", "MX", "CR", "ES")

EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.sv")
