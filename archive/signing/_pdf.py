"""PAdES signatures of the archived PDFs: the visible stamp, in an embedded Noto
subset so Vietnamese names render and the PDF/A stays valid, and the signature with
validation data (chain, revocation info) in the signed revision itself."""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.stamp import TextStampStyle

from archive.signing._keys import SigningUnavailable, _school_signer, validation_context
from archive.signing._keys import timestamper as _timestamper
from archive.signing._names import _nfc, _signer_name, certificate_names_unit

FIELD_NAME = "HosoSignature"
STAMP_BOX_WIDTH = 230
STAMP_BOX_HEIGHT = 58


@dataclass(frozen=True)
class SignResult:
    pdf: bytes
    signer: str
    signed_at: dt.datetime
    timestamped: bool


# Latin, Latin-1, Latin Extended-A/B, combining marks, Vietnamese (Latin Extended Additional),
# general punctuation: every glyph a Vietnamese name or date needs.
_STAMP_UNICODES = "U+0020-007E,U+00A0-024F,U+0300-036F,U+1EA0-1EF9,U+2000-206F,U+20AB"


@functools.cache
def _font_factory_path(face: str = "Regular") -> str:
    """A once-per-process subset of Noto Sans: subsetting the full font for every
    stamp cost ~0.4 s per signature; this small font keeps every Vietnamese glyph.
    Without layout tables (GSUB/GPOS/GDEF, which pyHanko drops from the embedded
    subset anyway, and whose parsing was half of the remaining signing time) and
    without hinting: the stamp text is NFC, so every Vietnamese letter, stacked
    diacritics included, is one precomposed glyph that needs no mark positioning.
    `face` is a Noto Sans face ("Regular", "Bold"): the chain's stamps set the role
    in bold."""
    import tempfile

    from fontTools import subset

    source = Path(settings.ARCHIVE["FONT_DIR"], f"NotoSans-{face}.ttf")
    target = Path(
        tempfile.gettempdir(),
        f"hoso-stamp-v2-{face}-{os.getuid()}-{source.stat().st_mtime_ns}.ttf",
    )
    if not target.exists():
        options = subset.Options()
        options.layout_features = []
        options.drop_tables += ["GSUB", "GPOS", "GDEF"]
        options.hinting = False
        font = subset.load_font(str(source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(_STAMP_UNICODES))
        subsetter.subset(font)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        subset.save_font(font, str(partial), options)
        os.replace(partial, target)
    return str(target)


def _stamp_box(reader: PdfFileReader) -> tuple[int, tuple[float, float, float, float]]:
    """Bottom right of the last page, just above the evidence footer."""
    last = int(reader.root["/Pages"]["/Count"]) - 1
    page_ref = reader.find_page_for_modification(last)[0]
    media = page_ref.get_object().get("/MediaBox") or reader.root["/Pages"]["/MediaBox"]
    right = float(media[2]) - 42
    bottom = 100
    return last, (right - STAMP_BOX_WIDTH, bottom, right, bottom + STAMP_BOX_HEIGHT)


def sign_pdf(pdf: bytes, *, school, reason: str, location: str = "") -> SignResult:
    """Sign as the school. Raises SigningUnavailable when the key or TSA is down."""
    timestamper = _timestamper()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_index, box = _stamp_box(writer.prev)
    fields.append_signature_field(
        writer, fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=page_index, box=box)
    )
    style = TextStampStyle(
        # Translators: pyHanko fills signer, ts and reason when it draws the stamp.
        stamp_text=_("Ký số bởi: %(signer)s\nThời gian: %(ts)s\nLí do: %(reason)s"),
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(_font_factory_path()), font_size=7
        ),
        border_width=1,
        background=None,
        timestamp_format="%d/%m/%Y %H:%M:%S %z",
    )
    with _school_signer(school) as signer:
        cert = signer.signing_cert
        if not certificate_names_unit(cert, school.name):
            # A key in the wrong place (another school's file or token label): what it
            # signed would be reported as signed by the wrong unit. Refuse, loudly.
            raise SigningUnavailable(
                f"The certificate for {school.code} names {_signer_name(cert)!r}, "
                f"not the school {school.name!r}"
            )
        name = _nfc(_signer_name(cert))
        reason = _nfc(reason)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            reason=reason,
            location=_nfc(location) if location else None,
            name=name,
            subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=True,
            validation_context=validation_context(for_signing=True),
            # Validation data goes into the signed revision itself, so the signature
            # still covers the whole file (no trailing DSS update).
            dss_settings=DSSContentSettings(
                include_vri=False,
                placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE,
            ),
        )
        pdf_signer = signers.PdfSigner(
            meta, signer=signer, timestamper=timestamper, stamp_style=style
        )
        signed_at = dt.datetime.now(dt.UTC)
        out = pdf_signer.sign_pdf(
            writer,
            appearance_text_params={"signer": name, "reason": reason},
            in_place=False,
        )
    return SignResult(
        pdf=out.getvalue(), signer=name, signed_at=signed_at, timestamped=bool(timestamper)
    )
