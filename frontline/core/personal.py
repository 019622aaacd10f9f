"""Personal data at rest (DESIGN.md §6).

ID numbers and phones are stored AES-GCM encrypted, beside a keyed hash (HMAC-SHA256) that
finds a record by exact value: a scanner reads an ID number, the hash finds the resident.
Both keys are derived from FRONTLINE_DATA_KEY, so a database dump without that key holds no
plaintext and no guessable hash.
"""

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import idnumber, phones

_PREFIX = "v1:"


# One mask per kind of personal value (DESIGN.md §9): templates, exports, API schemas, offline
# snapshots and field screens all use these; a script never masks on its own (the server sends
# the masked value).
def mask_name(name: str) -> str:
    """张三 → 张*, 曾小明 → 曾*明, 欧阳小明 → 欧**明; Latin names keep their first and last letter."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(number: str) -> str:
    """610103********123X: the area code and the last four stay, the birth date is hidden. Never
    show it beside the full birth date (the hidden digits are the birth date): show the age."""
    return idnumber.mask(number)


def mask_phone(phone: str) -> str:
    """139****1234 (a landline keeps its last four digits only)."""
    return phones.mask(phone)


@functools.lru_cache(maxsize=4)
def _keys(master: str) -> tuple[AESGCM, bytes]:
    raw = base64.urlsafe_b64decode(master.encode() + b"=" * (-len(master) % 4))
    if len(raw) < 32:
        raise ValueError("FRONTLINE_DATA_KEY must be at least 32 random bytes, base64-encoded")

    def derive(label: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(raw)

    return AESGCM(derive(b"frontline/encrypt")), derive(b"frontline/lookup")


def encrypt(text: str) -> str:
    if text in (None, ""):
        return ""
    aes, _ = _keys(settings.FRONTLINE_DATA_KEY)
    nonce = os.urandom(12)
    return _PREFIX + base64.b64encode(nonce + aes.encrypt(nonce, text.encode(), None)).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    if not token.startswith(_PREFIX):
        raise ValueError("not an encrypted value")
    aes, _ = _keys(settings.FRONTLINE_DATA_KEY)
    blob = base64.b64decode(token[len(_PREFIX):])
    return aes.decrypt(blob[:12], blob[12:], None).decode()


_FILE_LABEL = b"frontline/file/v1"


def encrypt_bytes(data: bytes) -> bytes:
    """A file's content encrypted with the data key (an uploaded ledger kept between a dry run and
    the real run): a random nonce, then AES-GCM ciphertext and tag."""
    aes, _ = _keys(settings.FRONTLINE_DATA_KEY)
    nonce = os.urandom(12)
    return nonce + aes.encrypt(nonce, data, _FILE_LABEL)


def decrypt_bytes(blob: bytes) -> bytes:
    aes, _ = _keys(settings.FRONTLINE_DATA_KEY)
    return aes.decrypt(blob[:12], blob[12:], _FILE_LABEL)


def lookup_hash(kind: str, value: str) -> str:
    """Keyed hash for exact lookup; ``kind`` keeps an ID number and a phone with the same digits apart."""
    if not value:
        return ""
    _, key = _keys(settings.FRONTLINE_DATA_KEY)
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]


class EncryptedField(models.TextField):
    """A text value kept encrypted in the database and plaintext in Python."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return ""
        if isinstance(value, str) and value.startswith(_PREFIX):
            return value
        return encrypt(value)


class LookupHashField(models.CharField):
    """The keyed hash of another field of the same instance, recomputed on every save and bulk insert."""

    def __init__(self, *args, source: str = "", kind: str = "", **kwargs):
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"], kwargs["kind"] = self.source, self.kind
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = lookup_hash(self.kind, getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


class PhoneTailField(models.CharField):
    """The last four digits of a phone (shown in every mask anyway), for search by phone tail."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.update(max_length=4, blank=True, editable=False, db_index=True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key in ("max_length", "blank", "editable", "db_index"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = (getattr(model_instance, self.source) or "")[-4:]
        setattr(model_instance, self.attname, value)
        return value


class PersonalIdentity(models.Model):
    """A person's ID number and phone as every personal record keeps them (DESIGN.md §6):
    encrypted at rest, a keyed hash of each for exact lookup, the phone's last four digits for
    search, masked when shown, redacted in the change log. Residents and the visitors a desk
    registers share it, so the rules live in one place."""

    id_number = EncryptedField(_("ID number"), blank=True)
    id_number_hash = LookupHashField(source="id_number", kind="id")
    phone = EncryptedField(_("phone"), blank=True)
    phone_hash = LookupHashField(source="phone", kind="phone")
    phone_tail = PhoneTailField(source="phone")

    personal_fields = ("id_number", "phone")
    audit_exclude = ("id_number_hash", "phone_hash", "phone_tail")

    class Meta:
        abstract = True

    @property
    def id_number_masked(self):
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self):
        return mask_phone(self.phone)
