"""One PDF, many signatures: the signature chain of a record, each step an incremental
PAdES signature in its own visible field of the form's signature blocks.

The file is rendered once with an empty field per step (`add_signature_fields`).
The first signature certifies it (DocMDP: only form filling and later signatures
allowed); each later step signs its own field, either with a signer the server
holds (`sign_field`: PKCS#12, PKCS#11, CSC) or deferred, with a key on the
signer's own token: the server prepares the revision and the signed attributes
(`prepare_signature`), the signing agent signs them, the server checks the CMS
it returns and embeds it (`finish_signature`). `signatures_in` reads the chain
back, each signature checked against the trust roots."""

from __future__ import annotations

import datetime as dt
import io
import logging
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.ades.api import CAdESSignedAttrSpec, SignerAttrSpec
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import read_certification_data
from pyhanko.stamp import TextStamp, TextStampStyle

from archive.signing._keys import SigningUnavailable, timestamper, validation_context
from archive.signing._names import _nfc, _signer_name
from archive.signing._pdf import SignResult, _font_factory_path
from archive.signing._validation import covers_the_file

logger = logging.getLogger(__name__)


class SignatureRejected(Exception):
    """A signature the chain refuses; the message is Vietnamese, for the signer."""


@dataclass(frozen=True)
class SignatureBox:
    """Where one chain step's visible signature goes."""

    field: str  # PDF field name (ASCII)
    page: int  # 0-based
    box: tuple[float, float, float, float]  # PDF points (x1, y1, x2, y2), origin bottom-left


@dataclass(frozen=True)
class Appearance:
    signer_name: str
    role: str
    reason: str
    seal_image: bytes | None = None  # PNG of the school's seal, drawn left of the text
    notes: tuple[str, ...] = ()  # e.g. the steps recorded without a digital signature


@dataclass(frozen=True)
class EmbeddedSignature:
    field: str
    signer_name: str
    certificate: bytes
    issuer: str
    signed_at: dt.datetime | None
    timestamped: bool
    intact: bool
    valid: bool
    trusted: bool
    certified: bool
    docmdp: str | None  # the certification's permission ("FILL_FORMS"), on the certifying one
    covers_whole_file: bool
    role: str = ""  # the role the signer claimed (CAdES signer-attributes-v2)
    reason: str = ""
    # The revisions after this signature are changes its certification (DocMDP) allows.
    modifications_allowed: bool = True

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.modifications_allowed


# --- appearance -------------------------------------------------------------------------


@dataclass(frozen=True)
class _ChainStampStyle(TextStampStyle):
    """The role in bold over the name, time, reason and notes; the seal on the left."""

    role_box_style: TextBoxStyle = TextBoxStyle()
    has_seal: bool = False

    def create_stamp(self, writer, box, text_params) -> _ChainStamp:
        return _ChainStamp(writer=writer, style=self, box=box, text_params=text_params)


class _ChainStamp(TextStamp):
    def _inner_layout_natural_size(self):
        params = self.text_params or {}
        boxes = []
        for style, font_name, text in (
            (self.style.role_box_style, "FB", params["role"]),
            (self.style.text_box_style, "F1", params["body"]),
        ):
            box = TextBox(style, writer=self.writer, resources=self.resources, font_name=font_name)
            box.content = text
            boxes.append((box, box.render()))
        (role, role_ops), (body, body_ops) = boxes
        ops = b"q 1 0 0 1 0 %g cm %s Q q %s Q" % (body.box.height, role_ops, body_ops)
        width = max(role.box.width, body.box.width)
        return [ops], (width, role.box.height + body.box.height)

    def _inner_content_layout_rule(self):
        # With a seal, the text keeps to the right of it (the seal is fitted to the height).
        left = self.box.height if self.style.has_seal else 2
        return layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=left, right=2, top=2, bottom=2),
        )


def _text_style(face: str, size: int) -> TextBoxStyle:
    return TextBoxStyle(
        font=GlyphAccumulatorFactory(_font_factory_path(face)),
        font_size=size,
        box_layout_rule=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(1),
        ),
    )


def _seal(png: bytes) -> PdfImage:
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(png))
        image.load()
    except Exception as exc:
        raise SignatureRejected(_("Ảnh con dấu không đọc được.")) from exc
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    return PdfImage(image)


def _stamp_style(appearance: Appearance) -> _ChainStampStyle:
    return _ChainStampStyle(
        text_box_style=_text_style("Regular", 7),
        role_box_style=_text_style("Bold", 8),
        border_width=0,
        background=_seal(appearance.seal_image) if appearance.seal_image else None,
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(1),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
        has_seal=bool(appearance.seal_image),
    )


def _text_params(appearance: Appearance, signed_at: dt.datetime) -> dict[str, str]:
    local = signed_at.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    lines = [
        _nfc(appearance.signer_name),
        _("Ký số lúc %(when)s") % {"when": local.strftime("%d/%m/%Y %H:%M")},
        _nfc(appearance.reason),
        *(_nfc(note) for note in appearance.notes),
    ]
    return {"role": _nfc(appearance.role), "body": "\n".join(lines)}


# --- the signature's metadata -----------------------------------------------------------


def _claimed_role(role: str) -> CAdESSignedAttrSpec:
    """The role goes into the signed attributes (CAdES signer-attributes-v2, a claimed
    role), so a verifier reads it from what the signer signed, not from the page."""
    name = asn1_x509.Name.build({"common_name": _nfc(role)}, use_printable=False)
    attribute = asn1_cms.AttCertAttribute(
        {
            "type": "role",
            "values": [
                asn1_cms.RoleSyntax(
                    {"role_name": asn1_x509.GeneralName(name="directory_name", value=name)}
                )
            ],
        }
    )
    return CAdESSignedAttrSpec(
        signer_attributes=SignerAttrSpec(claimed_attrs=[attribute], certified_attrs=[])
    )


def _metadata(
    field: str, appearance: Appearance, *, name: str, certify: bool
) -> signers.PdfSignatureMetadata:
    return signers.PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        reason=_nfc(appearance.reason),
        name=name,
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify,
        # Certification allows form filling, which includes signing the later fields.
        docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        cades_signed_attr_spec=_claimed_role(appearance.role),
        embed_validation_info=True,
        validation_context=validation_context(for_signing=True),
        # As sign_pdf: validation data in the signed revision itself, so the newest
        # signature still covers the whole file.
        dss_settings=DSSContentSettings(
            include_vri=False, placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE
        ),
    )


def _timestamper() -> timestamps.TimeStamper | None:
    return timestamper()


def _writer_for(pdf: bytes, field: str, *, certify: bool) -> IncrementalPdfFileWriter:
    """The file opened for signing `field`: refused unless the field is there, empty,
    and (for a certification) no one has signed yet."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        empty = {name for name, value, _ref in fields.enumerate_sig_fields(writer.prev)}
        filled = {name for name, value, _ref in fields.enumerate_sig_fields(writer.prev) if value}
    except Exception as exc:
        raise SignatureRejected(_("Tệp PDF không đọc được.")) from exc
    if field not in empty:
        raise SignatureRejected(_("Tệp không có ô ký “%(field)s”.") % {"field": field})
    if field in filled:
        raise SignatureRejected(_("Ô ký “%(field)s” đã được ký.") % {"field": field})
    if certify and filled:
        raise SignatureRejected(_("Chữ ký chứng nhận phải là chữ ký đầu tiên của tệp."))
    return writer


def add_signature_fields(pdf: bytes, boxes: Sequence[SignatureBox]) -> bytes:
    """Empty signature fields for every step of the chain, added once, when the file
    is made (before the first signature, so no later step changes the form's fields)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for box in boxes:
        fields.append_signature_field(
            writer, fields.SigFieldSpec(sig_field_name=box.field, on_page=box.page, box=box.box)
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sign_field(
    pdf: bytes, *, field: str, signer, appearance: Appearance, certify: bool
) -> SignResult:
    """Sign `field` with a signer the server holds (pyHanko Signer: PKCS#12, PKCS#11,
    CSC). `certify` for the first signature of the chain. Raises SignatureRejected
    (field missing or signed, certification not first, DocMDP refuses) or
    SigningUnavailable (token or TSA down)."""
    writer = _writer_for(pdf, field, certify=certify)
    name = _nfc(_signer_name(signer.signing_cert))
    signed_at = dt.datetime.now(dt.UTC)
    timestamper = _timestamper()
    pdf_signer = signers.PdfSigner(
        _metadata(field, appearance, name=name, certify=certify),
        signer=signer,
        timestamper=timestamper,
        stamp_style=_stamp_style(appearance),
    )
    try:
        out = pdf_signer.sign_pdf(
            writer,
            existing_fields_only=True,
            appearance_text_params=_text_params(appearance, signed_at),
        )
    except timestamps.TimestampRequestError as exc:
        raise SigningUnavailable(f"TSA unavailable: {exc}") from exc
    except SigningError as exc:
        logger.warning("Signing field %s refused by pyHanko: %s", field, exc)
        raise SignatureRejected(
            _("Không ký được vào ô “%(field)s” của tệp này.") % {"field": field}
        ) from exc
    return SignResult(
        pdf=out.getvalue(), signer=name, signed_at=signed_at, timestamped=bool(timestamper)
    )


# --- reading the chain back -------------------------------------------------------------


def _claimed_role_of(signed_attrs) -> str:
    """The role the signer claimed in its signed attributes ("" when none)."""
    try:
        for attribute in signed_attrs:
            if attribute["type"].native != "signer_attributes_v2":
                continue
            for claimed in attribute["values"][0]["claimed_attributes"]:
                if claimed["type"].native == "role":
                    name = claimed["values"][0]["role_name"].chosen
                    return _nfc(str(name.native.get("common_name", "")))
    except (KeyError, IndexError, TypeError, ValueError):
        return ""
    return ""


def _issuer(cert: asn1_x509.Certificate) -> str:
    issuer = cert.issuer.native
    return _nfc(issuer.get("common_name") or issuer.get("organization_name") or "")


def _certifying_reference(reader: PdfFileReader):
    """The signature object the catalogue's /Perms /DocMDP names (the certification)."""
    try:
        return reader.root["/Perms"].raw_get("/DocMDP").reference
    except (KeyError, AttributeError):
        return None


def signatures_in(pdf: bytes) -> list[EmbeddedSignature]:
    """Every signature of the file in signing order, each checked against the trust
    roots (validation_context()), its DocMDP diff analysis included."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    certification = read_certification_data(reader)
    certifying = _certifying_reference(reader) if certification else None
    vc = validation_context()
    found = []
    for embedded in reader.embedded_regular_signatures:
        status = validate_pdf_signature(
            embedded, signer_validation_context=vc, ts_validation_context=vc
        )
        cert = status.signing_cert
        certified = certifying is not None and (
            embedded.sig_field.raw_get("/V").reference == certifying
        )
        found.append(
            EmbeddedSignature(
                field=embedded.field_name,
                signer_name=_nfc(_signer_name(cert)),
                certificate=cert.dump(),
                issuer=_issuer(cert),
                signed_at=status.signer_reported_dt,
                timestamped=status.timestamp_validity is not None,
                intact=status.intact,
                valid=status.valid,
                trusted=status.trusted,
                certified=certified,
                docmdp=certification.permission.name if certified else None,
                covers_whole_file=covers_the_file(status, reader.embedded_signatures),
                role=_claimed_role_of(embedded.signer_info["signed_attrs"]),
                reason=_nfc(str(embedded.sig_object.get("/Reason", ""))),
                modifications_allowed=status.docmdp_ok is not False,
            )
        )
    return found
