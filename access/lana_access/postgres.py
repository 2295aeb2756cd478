"""Make a PostgreSQL warehouse match roles.yml.

`read_state` reads what the catalogs say (roles, memberships, per-database role settings,
passwords when the admin may read them, schema, table, column and default privileges in the
managed schemas). `desired_state` is what the file and the environment say. `diff` turns the
difference into SQL statements (psycopg.sql, identifiers quoted by psycopg), each with a text
to print; a password never appears in that text and is sent to the server only as a SCRAM
verifier. `apply` runs the statements in one transaction under an advisory lock.

Scope: the file's group roles, the login users named by the environment, and the schemas
under `schemas`. Everything granted there that the file does not name is revoked (grants to
other roles and to PUBLIC, column grants, other roles' default privileges, memberships of or
in the managed roles). Roles and schemas outside that scope are left alone; nothing is dropped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from lana_access.config import AccessConfig, AccessConfigError, LoginUser, resolve_users

READ = ("SELECT",)
WRITE = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
# pg_class.relkind of what is granted here -> its ALTER keyword.
RELATION_KEYWORDS = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "f": "FOREIGN TABLE",
}
RELATION_KINDS = tuple(RELATION_KEYWORDS)
# Default privileges object types (pg_default_acl.defaclobjtype) -> keyword.
DEFAULT_ACL_OBJECTS = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES"}
ROLE_ATTRIBUTES = ("rolsuper", "rolcreatedb", "rolcreaterole", "rolreplication", "rolbypassrls")
COMMENT_PREFIX = "lana-dw access: "
LOCK_KEY = "lana_access_apply"


@dataclass(frozen=True)
class Change:
    """One statement. `shown` is what plan prints (differs only when a secret is involved)."""

    statement: sql.Composable
    shown: str


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"-- {note}" for note in self.notes]
        lines += [f"{change.shown};" for change in self.changes]
        if not self.changes:
            lines.append("-- no changes")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# What the warehouse holds


@dataclass(frozen=True)
class RoleState:
    login: bool
    inherit: bool
    attributes: tuple[bool, ...]  # ROLE_ATTRIBUTES
    comment: str | None


@dataclass(frozen=True)
class Relation:
    kind: str  # pg_class.relkind
    owner: str
    columns: frozenset[str]


@dataclass
class State:
    current_user: str
    database: str
    roles: dict[str, RoleState]
    memberships: set[tuple[str, str]]  # (role, member)
    session_roles: dict[str, str | None]  # user -> role=... setting in this database
    passwords: dict[str, str | None] | None  # None: not readable (admin is no superuser)
    schemas: dict[str, str]  # name -> owner
    schema_comments: dict[str, str | None]
    schema_grants: set[tuple[str, str, str]]  # (schema, grantee, privilege), owner excluded
    relations: dict[tuple[str, str], Relation]
    relation_grants: dict[tuple[str, str, str], set[str]]  # (schema, rel, grantee) -> privs
    column_grants: set[tuple[str, str, str, str, str]]  # (schema, rel, column, grantee, priv)
    default_grants: set[tuple[str, str, str, str, str]]  # (creator, schema, objtype, grantee, priv)
    superuser: bool
    guard: str | None  # comment on the guard function (its fingerprint); None: not installed


def _grantee(column: str) -> str:
    return f"case when {column} = 0 then 'PUBLIC' else pg_get_userbyid({column}) end"


def read_state(conn: psycopg.Connection, config: AccessConfig, users: list[LoginUser]) -> State:
    schemas = list(config.schemas)
    managed = list(config.roles) + [u.name for u in users]
    current_user, database, superuser = conn.execute(
        "select current_user, current_database(), rolsuper from pg_roles "
        "where rolname = current_user"
    ).fetchone()

    roles = {
        name: RoleState(login, inherit, tuple(attrs), comment)
        for name, login, inherit, *attrs, comment in conn.execute(
            f"""select rolname, rolcanlogin, rolinherit, {", ".join(ROLE_ATTRIBUTES)},
                       shobj_description(oid, 'pg_authid')
                from pg_roles where rolname = any(%s)""",
            (managed,),
        )
    }
    memberships = set(
        conn.execute(
            """select r.rolname, m.rolname from pg_auth_members a
               join pg_roles r on r.oid = a.roleid join pg_roles m on m.oid = a.member
               where r.rolname = any(%(groups)s) or m.rolname = any(%(managed)s)""",
            {"groups": list(config.roles), "managed": managed},
        )
    )
    session_roles: dict[str, str | None] = {u.name: None for u in users}
    for name, settings in conn.execute(
        """select r.rolname, s.setconfig from pg_db_role_setting s
           join pg_roles r on r.oid = s.setrole
           join pg_database d on d.oid = s.setdatabase and d.datname = current_database()
           where r.rolname = any(%s)""",
        ([u.name for u in users],),
    ):
        for setting in settings or []:
            key, _, value = setting.partition("=")
            if key.lower() == "role":
                session_roles[name] = value
    passwords = None
    if superuser:
        passwords = {u.name: None for u in users}
        passwords.update(
            conn.execute(
                "select rolname, rolpassword from pg_authid where rolname = any(%s)",
                ([u.name for u in users],),
            ).fetchall()
        )

    schema_rows = conn.execute(
        """select nspname, pg_get_userbyid(nspowner), obj_description(oid, 'pg_namespace')
           from pg_namespace where nspname = any(%s)""",
        (schemas,),
    ).fetchall()
    schema_grants = {
        (s, g, p)
        for s, g, p in conn.execute(
            f"""select n.nspname, {_grantee("a.grantee")}, a.privilege_type
                from pg_namespace n, aclexplode(n.nspacl) a
                where n.nspname = any(%s) and a.grantee <> n.nspowner""",
            (schemas,),
        )
    }
    relations = {
        (s, r): Relation(kind, owner, frozenset(columns or ()))
        for s, r, kind, owner, columns in conn.execute(
            """select n.nspname, c.relname, c.relkind::text, pg_get_userbyid(c.relowner),
                      array(select attname::text from pg_attribute
                            where attrelid = c.oid and attnum > 0 and not attisdropped)
               from pg_class c join pg_namespace n on n.oid = c.relnamespace
               where n.nspname = any(%s) and c.relkind = any(%s)""",
            (schemas, list(RELATION_KINDS)),
        )
    }
    relation_grants: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for s, r, g, p in conn.execute(
        f"""select n.nspname, c.relname, {_grantee("a.grantee")}, a.privilege_type
            from pg_class c join pg_namespace n on n.oid = c.relnamespace,
                 aclexplode(c.relacl) a
            where n.nspname = any(%s) and c.relkind = any(%s) and a.grantee <> c.relowner""",
        (schemas, list(RELATION_KINDS)),
    ):
        relation_grants[(s, r, g)].add(p)
    column_grants = set(
        conn.execute(
            f"""select n.nspname, c.relname, t.attname, {_grantee("a.grantee")}, a.privilege_type
                from pg_attribute t join pg_class c on c.oid = t.attrelid
                join pg_namespace n on n.oid = c.relnamespace, aclexplode(t.attacl) a
                where n.nspname = any(%s) and t.attacl is not null""",
            (schemas,),
        )
    )
    default_grants = set(
        conn.execute(
            f"""select pg_get_userbyid(d.defaclrole), n.nspname, d.defaclobjtype::text,
                       {_grantee("a.grantee")}, a.privilege_type
                from pg_default_acl d join pg_namespace n on n.oid = d.defaclnamespace,
                     aclexplode(d.defaclacl) a
                where n.nspname = any(%s)""",
            (schemas,),
        )
    )
    return State(
        current_user=current_user,
        database=database,
        roles=roles,
        memberships=memberships,
        session_roles=session_roles,
        passwords=passwords,
        schemas={name: owner for name, owner, _ in schema_rows},
        schema_comments={name: comment for name, _, comment in schema_rows},
        schema_grants=schema_grants,
        relations=relations,
        relation_grants=dict(relation_grants),
        column_grants=column_grants,
        default_grants=default_grants,
        superuser=superuser,
        guard=_installed_guard(conn),
    )


# --------------------------------------------------------------------------------------------
# What the file says


@dataclass
class Desired:
    memberships: set[tuple[str, str]]
    schema_grants: set[tuple[str, str, str]]
    relation_grants: dict[tuple[str, str, str], set[str]]
    column_grants: set[tuple[str, str, str, str, str]]  # (schema, rel, column, grantee, priv)
    default_grants: set[tuple[str, str, str, str, str]]
    notes: list[str]


def desired_state(config: AccessConfig, users: list[LoginUser], state: State) -> Desired:
    notes: list[str] = []
    memberships = {(parent, name) for name, r in config.roles.items() for parent in r.member_of}
    memberships |= {(u.role, u.name) for u in users}

    schema_grants: set[tuple[str, str, str]] = set()
    for schema in config.schemas:
        owner = config.schemas[schema].owner or state.schemas.get(schema)
        for role in config.roles:
            if role == owner:
                continue
            if config.reads_schema(role, schema):
                schema_grants.add((schema, role, "USAGE"))
            if schema in config.roles[role].write:
                schema_grants.add((schema, role, "CREATE"))

    personal = set(config.personal_data.columns)
    relation_grants: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    column_grants: set[tuple[str, str, str, str, str]] = set()
    for (schema, relation), current in sorted(state.relations.items()):
        owner = config.schemas[schema].owner or current.owner
        columns = current.columns
        wanted: dict[str, tuple[str, ...]] = {}
        for role in config.readers(schema):
            wanted[role] = WRITE if schema in config.roles[role].write else READ
        for role in config.relation_readers(schema, relation):
            wanted.setdefault(role, READ)
        exposed = sorted(columns & personal)
        for role, privileges in wanted.items():
            if role == owner:
                continue
            if exposed and not config.roles[role].personal_data:
                # Only the other columns, as column privileges: PostgreSQL refuses the rest.
                column_grants |= {
                    (schema, relation, column, role, "SELECT") for column in columns - personal
                }
                notes.append(
                    f"{schema}.{relation}: personal column(s) {', '.join(exposed)} withheld "
                    f"from {role}, which gets the other columns only"
                )
            else:
                relation_grants[(schema, relation, role)].update(privileges)
    for role, r in config.roles.items():
        for grant in r.read:
            if "." in grant and tuple(grant.split(".")) not in state.relations:
                notes.append(
                    f"roles.{role}.read: {grant} does not exist (yet), nothing granted now "
                    "(the guard grants it when dbt builds it; without the guard, the next apply)"
                )

    default_grants: set[tuple[str, str, str, str, str]] = set()
    for schema in config.schemas:
        for creator in config.writers(schema):
            for role in config.readers(schema):
                if role == creator:
                    continue
                privileges = WRITE if schema in config.roles[role].write else READ
                default_grants |= {(creator, schema, "r", role, p) for p in privileges}
    return Desired(
        memberships, schema_grants, dict(relation_grants), column_grants, default_grants, notes
    )


# --------------------------------------------------------------------------------------------
# Passwords


def password_matches(stored: str | None, user: LoginUser) -> bool:
    """Whether the verifier PostgreSQL stores (SCRAM-SHA-256 or md5) is for the user's password."""
    password = user.password
    if not stored:
        return False
    scram = re.fullmatch(r"SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)", stored)
    if scram:
        iterations, salt, stored_key, server_key = scram.groups()
        secret = password if password.isascii() else unicodedata.normalize("NFKC", password)
        salted = hashlib.pbkdf2_hmac(
            "sha256", secret.encode(), base64.b64decode(salt), int(iterations)
        )
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        return hmac.compare_digest(
            hashlib.sha256(client_key).digest(), base64.b64decode(stored_key)
        ) and hmac.compare_digest(
            hmac.new(salted, b"Server Key", "sha256").digest(), base64.b64decode(server_key)
        )
    if stored.startswith("md5"):
        expected = "md5" + hashlib.md5((password + user.name).encode()).hexdigest()
        return hmac.compare_digest(stored, expected)
    return False


def _with_password(
    conn: psycopg.Connection, statement: sql.Composable, user: LoginUser
) -> tuple[sql.Composable, str]:
    """`statement PASSWORD '<SCRAM verifier>'`, computed here by libpq so that the password
    itself never reaches the server (nor its log); shown as '***'."""
    verifier = conn.pgconn.encrypt_password(
        user.password.encode(), user.name.encode(), b"scram-sha-256"
    ).decode()
    executed = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(verifier))
    shown = f"{statement.as_string(conn)} PASSWORD '***' /* from ${user.password_env} */"
    return executed, shown


# --------------------------------------------------------------------------------------------
# The difference as statements


def _who(name: str) -> sql.Composable:
    return sql.SQL("PUBLIC") if name == "PUBLIC" else sql.Identifier(name)


ORDER = ("USAGE", "CREATE", *WRITE)


def _privileges(privileges) -> sql.Composable:
    """In PostgreSQL's documentation order; each one is a keyword from the catalogs."""
    ordered = sorted(privileges, key=lambda p: (ORDER.index(p) if p in ORDER else len(ORDER), p))
    return sql.SQL(", ").join(sql.SQL(p) for p in ordered)


def _role_options(login: bool) -> sql.Composable:
    return sql.SQL(
        ("LOGIN" if login else "NOLOGIN")
        + " INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    )


def diff(
    conn: psycopg.Connection, config: AccessConfig, users: list[LoginUser], state: State
) -> Plan:
    desired = desired_state(config, users, state)
    plan = Plan(notes=list(desired.notes))

    def add(statement: sql.Composable, shown: str | None = None) -> None:
        plan.changes.append(Change(statement, shown or statement.as_string(conn)))

    # Roles and users: exist, plain attributes, a comment saying who manages them.
    wanted_roles = {
        name: (None, COMMENT_PREFIX + role.description) for name, role in config.roles.items()
    }
    for user in users:
        description = config.users[user.key].description
        wanted_roles[user.name] = (user, f"{COMMENT_PREFIX}users.{user.key}: {description}")
    for name, (user, comment) in wanted_roles.items():
        current = state.roles.get(name)
        login = user is not None
        if current is None:
            create = sql.SQL("CREATE ROLE {} {}").format(sql.Identifier(name), _role_options(login))
            if user is None:
                add(create)
            else:
                add(*_with_password(conn, create, user))
        else:
            if current.login != login or not current.inherit or any(current.attributes):
                add(sql.SQL("ALTER ROLE {} {}").format(sql.Identifier(name), _role_options(login)))
            stored = (state.passwords or {}).get(name)
            if user and state.passwords is not None and not password_matches(stored, user):
                add(
                    *_with_password(
                        conn, sql.SQL("ALTER ROLE {}").format(sql.Identifier(name)), user
                    )
                )
        if current is None or current.comment != comment:
            add(
                sql.SQL("COMMENT ON ROLE {} IS {}").format(
                    sql.Identifier(name), sql.Literal(comment)
                )
            )
    if users and state.passwords is None:
        plan.notes.append(
            "passwords of existing users not checked: the admin identity is not a superuser "
            "(set only when a user is created)"
        )

    # Memberships.
    for role, member in sorted(desired.memberships - state.memberships):
        add(sql.SQL("GRANT {} TO {}").format(sql.Identifier(role), sql.Identifier(member)))
    for role, member in sorted(state.memberships - desired.memberships):
        if member == state.current_user:
            continue  # the admin's own membership (needed for ALTER DEFAULT PRIVILEGES)
        add(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(role), sql.Identifier(member)))

    # Sessions of tool identities run as their role, so what they create is the role's.
    for user in users:
        wanted = user.role if user.session_role else None
        current = state.session_roles.get(user.name)
        if wanted and current != wanted:
            add(
                sql.SQL("ALTER ROLE {} IN DATABASE {} SET role = {}").format(
                    sql.Identifier(user.name), sql.Identifier(state.database), sql.Literal(wanted)
                )
            )
        elif not wanted and current:
            add(
                sql.SQL("ALTER ROLE {} IN DATABASE {} RESET role").format(
                    sql.Identifier(user.name), sql.Identifier(state.database)
                )
            )

    # Schemas, and who owns them and what is in them.
    for schema, spec in config.schemas.items():
        name = sql.Identifier(schema)
        if schema not in state.schemas:
            if spec.owner:
                add(
                    sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(
                        name, sql.Identifier(spec.owner)
                    )
                )
            else:
                add(sql.SQL("CREATE SCHEMA {}").format(name))
        elif spec.owner and state.schemas[schema] != spec.owner:
            add(sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(name, sql.Identifier(spec.owner)))
        comment = COMMENT_PREFIX + spec.description
        if state.schema_comments.get(schema) != comment:
            add(sql.SQL("COMMENT ON SCHEMA {} IS {}").format(name, sql.Literal(comment)))
    for (schema, relation), current in sorted(state.relations.items()):
        owner = config.schemas[schema].owner
        if owner and current.owner != owner:
            add(
                sql.SQL("ALTER {} {} OWNER TO {}").format(
                    sql.SQL(RELATION_KEYWORDS[current.kind]),
                    sql.Identifier(schema, relation),
                    sql.Identifier(owner),
                )
            )

    def owned(schema: str, relation: str | None = None) -> str | None:
        """The owner once this plan ran (its privileges are implicit, never granted)."""
        if config.schemas[schema].owner:
            return config.schemas[schema].owner
        if relation is None:
            return state.schemas.get(schema)
        return state.relations[(schema, relation)].owner

    _grant_revoke(
        add,
        desired={
            (s, g): {p for s2, g2, p in desired.schema_grants if (s2, g2) == (s, g)}
            for s, g, _ in desired.schema_grants
        },
        current={
            (s, g): {p for s2, g2, p in state.schema_grants if (s2, g2) == (s, g)}
            for s, g, _ in state.schema_grants
            if g != owned(s)
        },
        grant=lambda key, privs: sql.SQL("GRANT {} ON SCHEMA {} TO {}").format(
            _privileges(privs), sql.Identifier(key[0]), _who(key[1])
        ),
        revoke=lambda key, privs: sql.SQL("REVOKE {} ON SCHEMA {} FROM {}").format(
            _privileges(privs), sql.Identifier(key[0]), _who(key[1])
        ),
    )

    # Tables and views: what the file grants, nothing else.
    _grant_revoke(
        add,
        desired=desired.relation_grants,
        current={k: v for k, v in state.relation_grants.items() if k[2] != owned(k[0], k[1])},
        grant=lambda key, privs: sql.SQL("GRANT {} ON TABLE {} TO {}").format(
            _privileges(privs), sql.Identifier(key[0], key[1]), _who(key[2])
        ),
        revoke=lambda key, privs: sql.SQL("REVOKE {} ON TABLE {} FROM {}").format(
            _privileges(privs), sql.Identifier(key[0], key[1]), _who(key[2])
        ),
    )

    def by_column(grants):
        grouped: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
        for schema, relation, column, grantee, privilege in grants:
            grouped[(schema, relation, grantee, privilege)].add(column)
        return grouped

    def column_statement(verb: str, key, names) -> sql.Composable:
        schema, relation, grantee, privilege = key
        return sql.SQL(verb + " {} ({}) ON TABLE {} {} {}").format(
            sql.SQL(privilege),
            sql.SQL(", ").join(sql.Identifier(c) for c in sorted(names)),
            sql.Identifier(schema, relation),
            sql.SQL("TO" if verb == "GRANT" else "FROM"),
            _who(grantee),
        )

    _grant_revoke(
        add,
        desired=by_column(desired.column_grants),
        current=by_column(state.column_grants),
        grant=lambda key, names: column_statement("GRANT", key, names),
        revoke=lambda key, names: column_statement("REVOKE", key, names),
    )

    # Default privileges: what the writers create later is granted as the file says.
    def defaults(grants):
        grouped: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
        for creator, schema, objtype, grantee, privilege in grants:
            grouped[(creator, schema, objtype, grantee)].add(privilege)
        return grouped

    def default_statement(verb: str, key, privs) -> sql.Composable:
        creator, schema, objtype, grantee = key
        return sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} " + verb + " {} ON {} {} {}"
        ).format(
            sql.Identifier(creator),
            sql.Identifier(schema),
            _privileges(privs),
            sql.SQL(DEFAULT_ACL_OBJECTS.get(objtype, "TABLES")),
            sql.SQL("TO" if verb == "GRANT" else "FROM"),
            _who(grantee),
        )

    _grant_revoke(
        add,
        desired=defaults(desired.default_grants),
        current=defaults(g for g in state.default_grants if g[2] in DEFAULT_ACL_OBJECTS),
        grant=lambda key, privs: default_statement("GRANT", key, privs),
        revoke=lambda key, privs: default_statement("REVOKE", key, privs),
    )
    _guard_changes(config, state, add, plan)
    return plan


def _grant_revoke(add, *, desired: Mapping, current: Mapping, grant, revoke) -> None:
    for key in sorted(set(current) | set(desired)):
        extra = current.get(key, set()) - desired.get(key, set())
        if extra:
            add(revoke(key, extra))
    for key in sorted(set(current) | set(desired)):
        missing = desired.get(key, set()) - current.get(key, set())
        if missing:
            add(grant(key, missing))


# --------------------------------------------------------------------------------------------
# The personal-column guard: an event trigger, so the window between dbt creating a relation
# (default privileges grant it whole) and the next apply does not exist. It also grants the
# `schema.relation` reads, which default privileges (per schema) cannot express: dbt replaces
# a table with a new one on every run, which would otherwise have no such grant until apply.

GUARD_SCHEMA = "lana_access"
GUARD_FUNCTION = "guard_personal_columns"
GUARD_TRIGGER = "lana_access_guard_personal_columns"
GUARD_TAGS = (
    "CREATE TABLE",
    "CREATE TABLE AS",
    "CREATE VIEW",
    "CREATE MATERIALIZED VIEW",
    "CREATE FOREIGN TABLE",
    "ALTER TABLE",
    "ALTER VIEW",
    "ALTER MATERIALIZED VIEW",
    "ALTER FOREIGN TABLE",
    "SELECT INTO",
)


def guarded(config: AccessConfig) -> list[tuple[str, str]]:
    """(schema, role): roles without personal_data that read every relation of the schema."""
    return [
        (schema, role)
        for schema in config.schemas
        for role in config.readers(schema)
        if not config.roles[role].personal_data
    ]


def relation_reads(config: AccessConfig) -> list[tuple[str, str, str]]:
    """(schema, relation, role): `schema.relation` reads of the file. Default privileges are
    per schema, so the guard grants these when dbt builds (or rebuilds) the relation."""
    return [
        (*grant.split("."), role)
        for role, r in config.roles.items()
        for grant in r.read
        if "." in grant
    ]


def guard_function(config: AccessConfig) -> str:
    """PL/pgSQL run after DDL in the database, what apply would grant, at once:

    - a relation created, altered or renamed whose name a role reads (`schema.relation`
      under read) is granted SELECT to that role: dbt builds a table under a temporary name
      and renames it, so without this the new table would have no such grant until apply;
    - a relation that has a personal column loses its grants to the roles without
      personal_data that read it (its whole schema, or it by name), which get SELECT on the
      other columns only."""
    # t: the relation's name, null for the whole schema.
    pairs = [(schema, None, role) for schema, role in guarded(config)] + [
        (schema, relation, role)
        for schema, relation, role in relation_reads(config)
        if not config.roles[role].personal_data
    ]
    rows = (
        " union all ".join(
            f"select {_literal(schema)}::text as s, "
            f"{_literal(relation) if relation else 'null'}::text as t, "
            f"{_literal(role)}::text as r"
            for schema, relation, role in pairs
        )
        or "select null::text as s, null::text as t, null::text as r where false"
    )
    reads = (
        " union all ".join(
            f"select {_literal(schema)}::text as s, {_literal(relation)}::text as t, "
            f"{_literal(role)}::text as r"
            for schema, relation, role in relation_reads(config)
        )
        or "select null::text as s, null::text as t, null::text as r where false"
    )
    personal = "array[" + ", ".join(_literal(c) for c in config.personal_data.columns) + "]::text[]"
    return f"""create or replace function {GUARD_SCHEMA}.{GUARD_FUNCTION}() returns event_trigger
language plpgsql security definer set search_path = pg_catalog, pg_temp as $guard$
declare
    command record;
    grantee text;
    allowed text;
begin
    for command in
        select distinct d.objid from pg_event_trigger_ddl_commands() as d
        join pg_class as c on c.oid = d.objid
        where d.classid = 'pg_class'::regclass and c.relkind in ('r', 'p', 'v', 'm', 'f')
    loop
        for grantee in
            select g.r from ({reads}) as g
            join pg_class as c on c.oid = command.objid and c.relname = g.t
            join pg_namespace as n on n.oid = c.relnamespace and n.nspname = g.s
            join pg_roles as a on a.rolname = g.r
        loop
            execute format('grant select on table %s to %I', command.objid::regclass, grantee);
        end loop;
        continue when not exists (
            select 1 from pg_attribute
            where attrelid = command.objid and attnum > 0 and not attisdropped
              and attname = any({personal}));
        select string_agg(quote_ident(attname), ', ' order by attnum) into allowed
        from pg_attribute
        where attrelid = command.objid and attnum > 0 and not attisdropped
          and not attname = any({personal});
        for grantee in
            select g.r from ({rows}) as g
            join pg_class as c on c.oid = command.objid
            join pg_namespace as n on n.oid = c.relnamespace and n.nspname = g.s
            join pg_roles as a on a.rolname = g.r
            where g.t is null or g.t = c.relname
        loop
            execute format('revoke all on table %s from %I', command.objid::regclass, grantee);
            if allowed is not null then
                execute format('grant select (%s) on table %s to %I',
                               allowed, command.objid::regclass, grantee);
            end if;
        end loop;
    end loop;
end
$guard$"""


def _literal(value: str) -> str:
    """A SQL string literal for a validated identifier (roles.yml allows [a-z0-9_] only)."""
    assert re.fullmatch(r"[a-z_][a-z0-9_]*", value), value
    return f"'{value}'"


def guard_fingerprint(config: AccessConfig) -> str:
    body = guard_function(config) + "|".join(GUARD_TAGS)
    return (
        COMMENT_PREFIX + "personal-column guard " + hashlib.sha256(body.encode()).hexdigest()[:16]
    )


def _installed_guard(conn: psycopg.Connection) -> str | None:
    row = conn.execute(
        """select obj_description(p.oid, 'pg_proc') from pg_proc p
           join pg_namespace n on n.oid = p.pronamespace
           join pg_event_trigger t on t.evtfoid = p.oid and t.evtname = %s and t.evtenabled <> 'D'
           where n.nspname = %s and p.proname = %s""",
        (GUARD_TRIGGER, GUARD_SCHEMA, GUARD_FUNCTION),
    ).fetchone()
    return row[0] if row else None


def _guard_changes(config: AccessConfig, state: State, add, plan) -> None:
    fingerprint = guard_fingerprint(config)
    if state.guard == fingerprint:
        return
    if not state.superuser:
        plan.notes.append(
            "personal-column guard not installed (event triggers need a superuser): until the "
            "next apply, a relation built with a personal column in "
            + ", ".join(sorted({s for s, _ in guarded(config)}))
            + " is granted whole by the default privileges"
            + (
                ", and a relation read by name ("
                + ", ".join(sorted({f"{s}.{t}" for s, t, _ in relation_reads(config)}))
                + ") that dbt builds or rebuilds is not granted at all"
                if relation_reads(config)
                else ""
            )
        )
        return
    schema, function = sql.Identifier(GUARD_SCHEMA), sql.Identifier(GUARD_SCHEMA, GUARD_FUNCTION)
    roles = ", ".join(f"{r} in {s}" for s, r in guarded(config)) or "nobody"
    reads = ", ".join(f"{s}.{t} to {r}" for s, t, r in relation_reads(config)) or "none"
    add(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
    add(
        sql.SQL(guard_function(config)),
        f"CREATE OR REPLACE FUNCTION {GUARD_SCHEMA}.{GUARD_FUNCTION}() ... /* after DDL: a "
        f"relation with a personal column gets column grants only ({roles}); a relation read "
        f"by name is granted ({reads}) */",
    )
    add(sql.SQL("COMMENT ON FUNCTION {}() IS {}").format(function, sql.Literal(fingerprint)))
    add(sql.SQL("DROP EVENT TRIGGER IF EXISTS {}").format(sql.Identifier(GUARD_TRIGGER)))
    add(
        sql.SQL(
            "CREATE EVENT TRIGGER {} ON ddl_command_end WHEN TAG IN ({}) EXECUTE FUNCTION {}()"
        ).format(
            sql.Identifier(GUARD_TRIGGER),
            sql.SQL(", ").join(sql.Literal(tag) for tag in GUARD_TAGS),
            function,
        )
    )


# --------------------------------------------------------------------------------------------
# Entry points


def _users(
    conn: psycopg.Connection, config: AccessConfig, environ
) -> tuple[list[LoginUser], list[str]]:
    users, notes = resolve_users(config, environ)
    admin = conn.execute("select current_user").fetchone()[0]
    for user in users:
        if user.name == admin:
            env = config.users[user.key].user_env
            raise AccessConfigError(
                f"{env}={user.name!r} is the identity apply connects as; a tool or person "
                "needs its own login"
            )
    return users, notes


def plan(
    conn: psycopg.Connection, config: AccessConfig, environ: Mapping[str, str] | None = None
) -> Plan:
    """What apply would do; reads the catalogs only."""
    users, notes = _users(conn, config, environ)
    result = diff(conn, config, users, read_state(conn, config, users))
    result.notes[:0] = notes
    return result


def apply(
    conn: psycopg.Connection, config: AccessConfig, environ: Mapping[str, str] | None = None
) -> Plan:
    """Make the warehouse match the file, in one transaction; returns what was done."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (LOCK_KEY,))
        result = plan(conn, config, environ)
        for change in result.changes:
            conn.execute(change.statement)
    return result
