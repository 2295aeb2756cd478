"""`roles.yml`: the schemas, the personal-data columns, the group roles and the login users.

Loading validates everything a warehouse would otherwise reject half-way through an apply:
unknown keys, roles or schemas named but not declared, membership cycles, identifiers
PostgreSQL cannot hold. User names and passwords are read from the environment only when a
plan resolves them (`resolve_users`), never from the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

# Lower-case PostgreSQL identifiers that need no quoting (and are valid BigQuery dataset ids).
IDENTIFIER = r"^[a-z_][a-z0-9_]{0,62}$"
ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"

Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER)]
EnvName = Annotated[str, StringConstraints(pattern=ENV_NAME)]
# "schema" or "schema.relation"
Grant = Annotated[
    str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$")
]


class AccessConfigError(Exception):
    """roles.yml (or the environment it names) is wrong; the message says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Schema(_Strict):
    description: str
    owner: Identifier | None = None
    views_read: tuple[Identifier, ...] = ()


class PersonalData(_Strict):
    columns: tuple[Identifier, ...] = Field(min_length=1)


class Role(_Strict):
    description: str
    personal_data: bool = False
    read: tuple[Grant, ...] = ()
    write: tuple[Identifier, ...] = ()
    member_of: tuple[Identifier, ...] = ()
    bigquery: str | None = None


class User(_Strict):
    description: str
    role: Identifier
    user_env: EnvName
    password_env: EnvName
    session_role: bool = False


class AccessConfig(_Strict):
    schemas: dict[Identifier, Schema] = Field(min_length=1)
    personal_data: PersonalData
    roles: dict[Identifier, Role] = Field(min_length=1)
    users: dict[Identifier, User] = {}

    @model_validator(mode="after")
    def _references(self) -> AccessConfig:
        problems: list[str] = []
        for name, schema in self.schemas.items():
            if schema.owner is not None and (
                schema.owner not in self.roles or name not in self.roles[schema.owner].write
            ):
                problems.append(
                    f"schemas.{name}.owner must be a role that writes it, not {schema.owner!r}"
                )
            for target in schema.views_read:
                if target not in self.schemas:
                    problems.append(f"schemas.{name}.views_read names unknown schema {target!r}")
        for name, role in self.roles.items():
            for grant in role.read:
                if grant.split(".")[0] not in self.schemas:
                    problems.append(f"roles.{name}.read names unknown schema {grant!r}")
            for grant in role.write:
                if grant not in self.schemas:
                    problems.append(f"roles.{name}.write names unknown schema {grant!r}")
            for parent in role.member_of:
                if parent not in self.roles:
                    problems.append(f"roles.{name}.member_of names unknown role {parent!r}")
                elif parent == name:
                    problems.append(f"roles.{name} is a member of itself")
            if role.bigquery is not None and not re.match(
                r"^(group|user|serviceAccount):[^@\s]+@[^@\s]+$", role.bigquery
            ):
                problems.append(
                    f"roles.{name}.bigquery must be group:, user: or serviceAccount:<email>, "
                    f"not {role.bigquery!r}"
                )
        for name, user in self.users.items():
            if user.role not in self.roles:
                problems.append(f"users.{name}.role names unknown role {user.role!r}")
        envs = [u.user_env for u in self.users.values()] + [
            u.password_env for u in self.users.values()
        ]
        for env in sorted({e for e in envs if envs.count(e) > 1}):
            problems.append(f"environment variable {env} is named twice under users")
        if not problems:
            problems.extend(_membership_cycles(self.roles))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Derived views of the file -------------------------------------------------------------

    def writers(self, schema: str) -> list[str]:
        return [name for name, role in self.roles.items() if schema in role.write]

    def readers(self, schema: str) -> list[str]:
        """Roles that read every relation of the schema (writers included)."""
        return [
            name for name, role in self.roles.items() if schema in role.read or schema in role.write
        ]

    def relation_readers(self, schema: str, relation: str) -> list[str]:
        """Roles granted just this relation (`schema.relation` under read)."""
        return [name for name, role in self.roles.items() if f"{schema}.{relation}" in role.read]

    def reads_schema(self, role: str, schema: str) -> bool:
        """USAGE on the schema: the role reads all of it or one of its relations."""
        r = self.roles[role]
        return schema in r.write or any(g.split(".")[0] == schema for g in r.read)


def _membership_cycles(roles: Mapping[str, Role]) -> list[str]:
    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        stack = list(roles[start].member_of)
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(roles[current].member_of)
        return seen

    return [
        f"roles.{name} is a member of itself through member_of"
        for name in roles
        if name in reach(name)
    ]


def load(path: str | Path) -> AccessConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AccessConfigError(f"{path}: no such file (pass --file)") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AccessConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise AccessConfigError(f"{path}: expected a mapping with schemas, roles, users")
    try:
        return AccessConfig.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "(top level)"
            lines.append(f"  {where}: {error['msg']}")
        raise AccessConfigError(
            f"{path} is not a valid access file:\n" + "\n".join(lines)
        ) from None


@dataclass(frozen=True)
class LoginUser:
    """A login user resolved from the environment. `password` is never printed."""

    key: str  # the entry under `users`
    name: str
    role: str
    password: str
    password_env: str
    session_role: bool

    def __repr__(self) -> str:  # keep the password out of tracebacks and logs
        return f"LoginUser(key={self.key!r}, name={self.name!r}, role={self.role!r})"


def resolve_users(
    config: AccessConfig, environ: Mapping[str, str] | None = None
) -> tuple[list[LoginUser], list[str]]:
    """The login users whose name variable is set, and a note per user left out."""
    environ = os.environ if environ is None else environ
    users: list[LoginUser] = []
    notes: list[str] = []
    for key, user in config.users.items():
        name = environ.get(user.user_env, "").strip()
        if not name:
            notes.append(f"users.{key}: {user.user_env} is not set, no login user for {user.role}")
            continue
        if not re.match(IDENTIFIER, name):
            raise AccessConfigError(
                f"{user.user_env}={name!r} (users.{key}) is not a plain lower-case PostgreSQL "
                "name (letters, digits, _; at most 63)"
            )
        if name in config.roles:
            raise AccessConfigError(
                f"{user.user_env}={name!r} (users.{key}) is a group role's name"
            )
        password = environ.get(user.password_env, "")
        if not password:
            raise AccessConfigError(
                f"{user.password_env} is not set: it holds the password of {name} "
                f"({user.user_env}, users.{key})"
            )
        users.append(
            LoginUser(key, name, user.role, password, user.password_env, user.session_role)
        )
    names = [u.name for u in users]
    for name in sorted({n for n in names if names.count(n) > 1}):
        envs = [config.users[u.key].user_env for u in users if u.name == name]
        raise AccessConfigError(f"{' and '.join(envs)} name the same user {name!r}")
    return users, notes
