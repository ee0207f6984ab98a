"""Users, passwords (argon2id) and login sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from livermdt.errors import ConflictError, InvalidInputError, NotFoundError
from livermdt.services._base import ServiceBase, add_audit, require
from livermdt.services.records import UserAccount, UserInfo
from livermdt.services.roles import Permission, Role
from livermdt.storage.models import User, UserSession, as_utc, utcnow

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
#: Checked here rather than by the API's request models: a request-validation error quotes the
#: value it refused, and a password must never be echoed.
MAX_PASSWORD_LENGTH = 1024
#: The longest a login lasts, however busy its user.
SESSION_LIFETIME = timedelta(hours=12)
#: Automatic logoff: a login not used for this long ends (the web application's setting
#: ``LIVERMDT_SESSION_IDLE_TIMEOUT_S`` replaces it). A screen left open in a meeting room or on a
#: ward must not stay logged in for the rest of the day; 30 minutes lets a case be discussed at
#: length without a click. The HIPAA Security Rule's "automatic logoff" (45 CFR
#: 164.312(a)(2)(iii)) names the safeguard, not a duration.
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
#: The idle deadline moves forward at most once per this step (one UPDATE a minute for an active
#: session, not one per request); a session therefore ends between ``idle timeout - step`` and
#: ``idle timeout`` after its last use.
SESSION_REFRESH_STEP = timedelta(minutes=1)

#: The session and its user in one round trip (primary-key lookup plus the user's row). Asked on
#: every request, with no per-process cache, so a logout or deactivation takes effect at once in
#: every worker process.
_SESSION_USER = (
    select(
        User.id,
        User.username,
        User.role,
        User.active,
        UserSession.created_at,
        UserSession.expires_at,
    )
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.token_sha256 == bindparam("digest"))
)
#: Moves a session's idle deadline forward; never back (two worker processes may both try).
_SESSION_SLIDE = (
    update(UserSession)
    .where(
        UserSession.token_sha256 == bindparam("digest"),
        UserSession.expires_at < bindparam("deadline"),
    )
    .values(expires_at=bindparam("deadline"))
)

# Verifying against this keeps the time of a login with an unknown username the same as one
# with a wrong password, so timing does not reveal which usernames exist.
_DUMMY_PASSWORD = "livermdt-timing-equaliser"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _info(user: User) -> UserInfo:
    return UserInfo(id=user.id, username=user.username, role=Role(user.role), active=user.active)


def password_problems(password: str) -> list[str]:
    """What is wrong with a new password, as problem lines that give its length, never it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"password: at least {MIN_PASSWORD_LENGTH} characters (got {len(password)})"]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"password: at most {MAX_PASSWORD_LENGTH} characters (got {len(password)})"]
    return []


def validate_new_user(username: str, password: str, role: str) -> Role:
    problems = []
    if not USERNAME_RE.match(username):
        problems.append(
            "username: 2-64 characters: lower-case letters, digits, '.', '_' or '-', "
            f"starting with a letter or digit (got {username!r})"
        )
    problems.extend(password_problems(password))
    try:
        parsed = Role(role)
    except ValueError:
        problems.append(f"role: one of {', '.join(r.value for r in Role)} (got {role!r})")
    if problems:
        raise InvalidInputError("invalid user", problems)
    return parsed


class UserService(ServiceBase):
    def __init__(
        self,
        read: sessionmaker[Session],
        write: sessionmaker[Session],
        hasher: PasswordHasher | None = None,
        *,
        idle_timeout: timedelta = SESSION_IDLE_TIMEOUT,
    ) -> None:
        super().__init__(read, write)
        if not 2 * SESSION_REFRESH_STEP <= idle_timeout <= SESSION_LIFETIME:
            raise ValueError(
                f"idle timeout: between {2 * SESSION_REFRESH_STEP} and {SESSION_LIFETIME} "
                f"(got {idle_timeout})"
            )
        self._hasher = hasher or PasswordHasher()
        self.idle_timeout = idle_timeout
        self._dummy_hash: str | None = None  # made on the first unknown-username login

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(_DUMMY_PASSWORD)
        return self._dummy_hash

    def create_user(
        self, username: str, password: str, role: Role | str, *, by: UserInfo | None = None
    ) -> UserInfo:
        """Create a user. ``by`` is the admin doing it (None from the command line)."""
        if by is not None:
            require(by, Permission.ADMIN)
        parsed = validate_new_user(username, password, str(role))
        try:
            with self.writing() as s:
                user = User(
                    username=username,
                    password_hash=self._hasher.hash(password),
                    role=parsed.value,
                    active=True,
                    created_at=utcnow(),
                )
                s.add(user)
                s.flush()
                info = _info(user)
                add_audit(s, by, "user_create", "user", str(user.id), f"role={parsed.value}")
        except IntegrityError as err:
            raise ConflictError(f"the username '{username}' is taken") from err
        return info

    def list_users(self, by: UserInfo | None) -> list[UserInfo]:
        """Every user. ``by`` is the admin asking (None: the local operator, from the CLI)."""
        if by is not None:
            require(by, Permission.ADMIN)
        with self.reading() as s:
            return [_info(u) for u in s.scalars(select(User).order_by(User.username))]

    def list_accounts(self, by: UserInfo) -> list[UserAccount]:
        """Every user with the date the account was made, for the admin's user page."""
        require(by, Permission.ADMIN)
        with self.reading() as s:
            return [
                UserAccount(
                    id=u.id,
                    username=u.username,
                    role=Role(u.role),
                    active=u.active,
                    created_at=as_utc(u.created_at),
                )
                for u in s.scalars(select(User).order_by(User.username))
            ]

    def set_active(self, user_id: int, active: bool, *, by: UserInfo | None) -> UserInfo:
        """Deactivate (or reactivate) a user; a deactivated user's sessions end. ``by`` is the
        admin doing it (None: the local operator, from the CLI). Refused (``ConflictError``)
        for the admin's own account and for the last active admin."""
        if by is not None:
            require(by, Permission.ADMIN)
        with self.writing() as s:
            user = self._target(s, user_id, by, "deactivate" if not active else None)
            if not active:
                self._keep_an_admin(s, user, Role(user.role), active=False)
            user.active = active
            if not active:
                s.execute(delete(UserSession).where(UserSession.user_id == user_id))
            add_audit(s, by, "user_change", "user", str(user_id), f"active={active}")
            return _info(user)

    def set_role(self, user_id: int, role: Role | str, *, by: UserInfo | None) -> UserInfo:
        """Give a user another role (it counts from their next request). Refused
        (``ConflictError``) for the admin's own account and for the last active admin."""
        if by is not None:
            require(by, Permission.ADMIN)
        try:
            parsed = Role(str(role))
        except ValueError:
            raise InvalidInputError(
                "invalid role", [f"role: one of {', '.join(r.value for r in Role)} (got {role!r})"]
            ) from None
        with self.writing() as s:
            user = self._target(s, user_id, by, "change the role of")
            previous = user.role
            if previous == parsed.value:
                return _info(user)
            self._keep_an_admin(s, user, parsed, active=user.active)
            user.role = parsed.value
            add_audit(
                s, by, "user_change", "user", str(user_id), f"role={parsed.value} was={previous}"
            )
            return _info(user)

    def reset_password(self, user_id: int, password: str, *, by: UserInfo | None) -> UserInfo:
        """Set a new password chosen by an admin (livermdt has no self-service or e-mail
        reset). Every session of the user ends, so whoever knew the old one is logged out. The
        audit row says that it happened, never what the password is."""
        if by is not None:
            require(by, Permission.ADMIN)
        problems = password_problems(password)
        if problems:
            raise InvalidInputError("invalid password", problems)
        hashed = self._hasher.hash(password)
        with self.writing() as s:
            user = self._target(s, user_id, by, None)
            user.password_hash = hashed
            s.execute(delete(UserSession).where(UserSession.user_id == user_id))
            add_audit(s, by, "user_change", "user", str(user_id), "password reset")
            return _info(user)

    @staticmethod
    def _target(s: Session, user_id: int, by: UserInfo | None, not_self: str | None) -> User:
        """The user row to change; ``not_self`` names a change an admin may not make to their
        own account (another admin must: it stops anyone locking themselves out by a slip)."""
        user = s.get(User, user_id)
        if user is None:
            raise NotFoundError(f"no user {user_id}")
        if not_self is not None and by is not None and by.id == user_id:
            raise ConflictError(f"you cannot {not_self} your own account; ask another admin")
        return user

    @staticmethod
    def _keep_an_admin(s: Session, user: User, role: Role, *, active: bool) -> None:
        """Refuse a change that would leave no active admin: nobody could manage users or read
        the audit log from the application any more. The admins' rows are locked (PostgreSQL)
        so that two admins demoting each other at the same moment cannot both succeed; SQLite
        writes one transaction at a time anyway."""
        if user.role != Role.ADMIN.value or not user.active:
            return  # not an active admin now: the number of active admins does not drop
        if role is Role.ADMIN and active:
            return
        admins = s.scalars(
            select(User.id)
            .where(User.role == Role.ADMIN.value, User.active.is_(True))
            .with_for_update()
        ).all()
        if not [i for i in admins if i != user.id]:
            raise ConflictError(
                f"{user.username} is the last active admin: make another user admin first"
            )

    def authenticate(self, username: str, password: str) -> UserInfo | None:
        """The user if the password is right and the account active; None otherwise. Audited."""
        with self.reading() as s:
            user = s.scalars(select(User).where(User.username == username)).first()
            stored = user.password_hash if user is not None else self._dummy()
        try:
            self._hasher.verify(stored, password)
            ok = user is not None and user.active
        except (VerificationError, InvalidHashError):
            ok = False
        with self.writing() as s:
            if ok and user is not None:
                add_audit(s, _info(user), "login", "user", str(user.id))
                if self._hasher.check_needs_rehash(user.password_hash):
                    row = s.get(User, user.id)
                    if row is not None:
                        row.password_hash = self._hasher.hash(password)
            else:
                # The typed username is not patient data, but it may be a password typed
                # into the wrong box: log only whether the account exists.
                add_audit(
                    s,
                    None,
                    "login_failed",
                    "user",
                    str(user.id) if user is not None else None,
                    None if user is not None else "unknown username",
                )
        return _info(user) if ok and user is not None else None

    def start_session(self, user: UserInfo, now: datetime | None = None) -> str:
        """A new random session token (for the cookie); only its hash is stored. The session's
        ``expires_at`` is its idle deadline, never later than ``SESSION_LIFETIME`` after the
        login."""
        token = secrets.token_urlsafe(32)
        start = now or utcnow()
        with self.writing() as s:
            s.add(
                UserSession(
                    token_sha256=_token_hash(token),
                    user_id=user.id,
                    created_at=start,
                    expires_at=start + self.idle_timeout,  # <= the lifetime (__init__)
                )
            )
        return token

    def user_for_session(self, token: str, now: datetime | None = None) -> UserInfo | None:
        """The active user of a session that is neither idle past its deadline nor older than
        ``SESSION_LIFETIME``, or None. Each use moves the idle deadline to ``now + idle
        timeout`` (capped at the lifetime), written at most once per ``SESSION_REFRESH_STEP``."""
        at = now or utcnow()
        digest = _token_hash(token)
        row = self.select_first(_SESSION_USER, {"digest": digest})
        if row is None:
            return None
        user_id, username, role, active, created_at, expires_at = row
        deadline = as_utc(expires_at)
        if not active or deadline <= at:
            return None
        moved = min(at + self.idle_timeout, as_utc(created_at) + SESSION_LIFETIME)
        if moved - deadline >= SESSION_REFRESH_STEP:
            self.execute_one(
                lambda conn: conn.execute(_SESSION_SLIDE, {"digest": digest, "deadline": moved})
            )
        return UserInfo(id=user_id, username=username, role=Role(role), active=active)

    def end_session(self, token: str, user: UserInfo | None = None) -> None:
        with self.writing() as s:
            s.execute(delete(UserSession).where(UserSession.token_sha256 == _token_hash(token)))
            if user is not None:
                add_audit(s, user, "logout", "user", str(user.id))

    def get_user(self, username: str) -> UserInfo | None:
        with self.reading() as s:
            user = s.scalars(select(User).where(User.username == username)).first()
            return _info(user) if user is not None else None
