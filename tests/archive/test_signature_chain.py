"""One PDF, many signatures: a học bạ rendered once with a block per chain step, the
homeroom teacher certifies it, the principal signs through the agent (deferred), the
clerk applies the school's seal; each signature valid, trusted and in its block."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import shutil
import subprocess
from dataclasses import dataclass

import pytest
from asn1crypto import cms as asn1_cms
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from archive import devpki, signing
from archive.rendering import Footer, render_record_with_boxes

pytestmark = pytest.mark.django_db

TEACHER, PRINCIPAL = "Lê Thị Hồng Nhung", "Trần Văn Hưng"
BLOCKS = (
    ("Ky_giao_vien_chu_nhiem", "Giáo viên chủ nhiệm"),
    ("Ky_hieu_truong", "Hiệu trưởng"),
    ("Ky_dong_dau", "Văn thư (đóng dấu)"),
)


@dataclass
class Person:
    signer: SimpleSigner
    certificate: bytes  # DER
    ca: bytes  # DER


def _person(full_name: str, school_name: str) -> Person:
    """A personal certificate issued by the dev CA (so it is trusted), CN = the name."""
    paths = signing.dev_pki()
    devpki.ensure_ca(paths)
    ca_cert = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, school_name),
            x509.NameAttribute(NameOID.COMMON_NAME, full_name),
        ]
    )
    cert = devpki.issue(paths, subject, key, eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION])
    der = cert.public_bytes(serialization.Encoding.DER)
    ca_der = ca_cert.public_bytes(serialization.Encoding.DER)
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signer = SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(der),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(ca_der)]),
    )
    return Person(signer=signer, certificate=der, ca=ca_der)


def _agent_cms(person: Person, signed_attributes: bytes) -> bytes:
    """What the signing agent returns: its token signs the prepared attributes."""
    attributes = asn1_cms.CMSAttributes.load(signed_attributes)
    content = asyncio.run(person.signer.async_sign_prescribed_attributes("sha256", attributes))
    return content.dump()


def _seal_png() -> bytes:
    image = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    for x in range(120):
        for y in range(120):
            if 45**2 < (x - 60) ** 2 + (y - 60) ** 2 < 58**2:
                image.putpixel((x, y), (200, 20, 20, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _rendered(school_data) -> tuple[bytes, list[signing.SignatureBox]]:
    page = school_data.records["student_record"]
    state = school_data.states["student_record"]
    return render_record_with_boxes(
        state.approved_revision.as_object(),
        footer=Footer(page.pk, state.version, state.approved_hash, "CHAIN"),
        issued_on=dt.date(2025, 5, 20),
        blocks=BLOCKS,
    )


def _appearance(name: str, role: str, **extra) -> signing.Appearance:
    return signing.Appearance(signer_name=name, role=role, reason="Ký duyệt học bạ", **extra)


def _teacher_signed(school_data) -> tuple[bytes, Person, Person]:
    pdf, boxes = _rendered(school_data)
    pdf = signing.add_signature_fields(pdf, boxes)
    school = school_data.school.name
    teacher, principal = _person(TEACHER, school), _person(PRINCIPAL, school)
    result = signing.sign_field(
        pdf,
        field="Ky_giao_vien_chu_nhiem",
        signer=teacher.signer,
        appearance=_appearance(TEACHER, "Giáo viên chủ nhiệm"),
        certify=True,
    )
    return result.pdf, teacher, principal


def _prepare_principal(pdf: bytes, principal: Person) -> signing.PendingSignature:
    return signing.prepare_signature(
        pdf,
        field="Ky_hieu_truong",
        certificate=principal.certificate,
        chain=[principal.ca],
        appearance=_appearance(PRINCIPAL, "Hiệu trưởng"),
        certify=False,
    )


def _full_chain(school_data) -> bytes:
    pdf, _teacher, principal = _teacher_signed(school_data)
    pending = signing.PendingSignature.from_json(_prepare_principal(pdf, principal).to_json())
    pdf = signing.finish_signature(pending, _agent_cms(principal, pending.signed_attributes)).pdf
    with signing._school_signer(school_data.school) as seal:
        return signing.sign_field(
            pdf,
            field="Ky_dong_dau",
            signer=seal,
            appearance=_appearance(
                "Ngô Thị Thanh Mai",
                "Văn thư",
                seal_image=_seal_png(),
                notes=("Bước “Tổ trưởng kiểm tra”: ghi nhận, không ký số",),
            ),
            certify=False,
        ).pdf


def _words(pdf: bytes, tmp_path) -> list[tuple[str, int, float, float, float, float]]:
    """(word, page, xMin, yMin, xMax, yMax) in PDF points, y from the top (pdftotext)."""
    import re

    path = tmp_path / "words.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True
    ).stdout
    words, page = [], -1
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        match = re.search(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', line
        )
        if match:
            x1, y1, x2, y2 = map(float, match.groups()[:4])
            words.append((match.group(5), page, x1, y1, x2, y2))
    return words


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_each_signature_box_sits_under_its_block_label_on_the_last_page(school_data, tmp_path):
    pdf, boxes = _rendered(school_data)
    assert [box.field for box in boxes] == [field for field, _label in BLOCKS]
    words = _words(pdf, tmp_path)
    last_page = max(page for _w, page, *_ in words)
    page_height = 841.89  # A4
    labels = {"Giáo": BLOCKS[0][0], "Hiệu": BLOCKS[1][0], "Văn": BLOCKS[2][0]}
    checked = set()
    for word, page, x1, _y1, x2, y2 in words:
        field = labels.get(word)
        if page != last_page or field is None:
            continue
        box = next(b for b in boxes if b.field == field)
        left, bottom, right, top = box.box
        assert box.page == last_page
        # The box starts just under its label and the note line below it ("(Ký, ghi rõ
        # họ tên)"), and is centred under the same column.
        assert 0 <= (page_height - y2) - top < 24, (word, box)
        assert left < (x1 + x2) / 2 < right + 40, (word, box)
        assert right - left == pytest.approx(52 * 72 / 25.4, abs=0.1)
        assert top - bottom == pytest.approx(22 * 72 / 25.4, abs=0.1)
        checked.add(field)
    assert checked == {field for field, _label in BLOCKS}
    # The học bạ's form: the homeroom teacher left, the principal right with the seal
    # under the principal's signature (issue 16).
    teacher, principal, seal = boxes
    assert teacher.box[2] < principal.box[0] == seal.box[0] and seal.box[3] < principal.box[1]


def test_teacher_principal_and_seal_sign_one_file_valid_trusted_and_in_order(school_data):
    pdf = _full_chain(school_data)
    found = signing.signatures_in(pdf)
    assert [s.field for s in found] == [field for field, _label in BLOCKS]
    assert [s.signer_name for s in found] == [TEACHER, PRINCIPAL, school_data.school.name]
    assert [s.role for s in found] == ["Giáo viên chủ nhiệm", "Hiệu trưởng", "Văn thư"]
    assert all(s.issuer == "Hồ sơ chuyên môn – CA thử nghiệm" for s in found)
    assert all(s.ok for s in found), found
    assert [s.certified for s in found] == [True, False, False]
    assert found[0].docmdp == "FILL_FORMS"
    assert [s.covers_whole_file for s in found] == [False, False, True]
    # The deferred signature is the principal's own certificate, as the agent returned it.
    assert found[1].certificate == _certificate_of(found[1])


def _certificate_of(signature: signing.EmbeddedSignature) -> bytes:
    return asn1_x509.Certificate.load(signature.certificate).dump()


@pytest.mark.skipif(not shutil.which("pdfsig"), reason="poppler-utils (pdfsig) not installed")
def test_poppler_agrees_every_signature_of_the_chain_is_valid(school_data, tmp_path):
    path = tmp_path / "chain.pdf"
    path.write_bytes(_full_chain(school_data))
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 3, out
    assert out.count("Signature #") == 3, out
    assert "Total document signed" in out


def test_pending_signature_round_trips_through_json(school_data):
    pdf, _teacher, principal = _teacher_signed(school_data)
    pending = _prepare_principal(pdf, principal)
    assert signing.PendingSignature.from_json(pending.to_json()) == pending


def _assert_refused(pending, cms: bytes, message: str) -> None:
    before = pending.to_json()
    with pytest.raises(signing.SignatureRejected) as refused:
        signing.finish_signature(pending, cms)
    assert str(refused.value) == message
    assert pending.to_json() == before  # the prepared file is untouched, still signable


def test_agent_cms_by_another_certificate_is_refused(school_data):
    pdf, teacher, principal = _teacher_signed(school_data)
    pending = _prepare_principal(pdf, principal)
    _assert_refused(
        pending,
        _agent_cms(teacher, pending.signed_attributes),
        "Chữ ký số gửi về không phải của chứng thư số của bước ký này.",
    )
    # The right signature still goes in afterwards.
    signed = signing.finish_signature(pending, _agent_cms(principal, pending.signed_attributes))
    assert [s.ok for s in signing.signatures_in(signed.pdf)] == [True, True]


def test_agent_cms_over_other_attributes_is_refused(school_data):
    pdf, _teacher, principal = _teacher_signed(school_data)
    pending = _prepare_principal(pdf, principal)
    other = _prepare_principal(pdf, principal)  # another preparation: another time, digest
    assert other.signed_attributes != pending.signed_attributes
    _assert_refused(
        pending,
        _agent_cms(principal, other.signed_attributes),
        "Chữ ký số gửi về không ký đúng nội dung đã chuẩn bị cho tệp này.",
    )


def test_corrupted_agent_cms_is_refused(school_data):
    pdf, _teacher, principal = _teacher_signed(school_data)
    pending = _prepare_principal(pdf, principal)
    content = asn1_cms.ContentInfo.load(_agent_cms(principal, pending.signed_attributes))
    info = content["content"]["signer_infos"][0]
    signature = bytearray(info["signature"].native)
    signature[10] ^= 0xFF
    info["signature"] = bytes(signature)
    _assert_refused(pending, content.dump(), "Chữ ký số gửi về không hợp lệ.")
    _assert_refused(pending, b"\x30\x03garbage", "Chữ ký số gửi về không đọc được.")


def test_page_content_changed_after_certification_is_reported_as_a_docmdp_violation(
    school_data,
):
    pdf, _teacher, _principal = _teacher_signed(school_data)
    assert signing.signatures_in(pdf)[0].ok
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    from pyhanko.pdf_utils import generic

    stream = writer.add_object(generic.StreamObject(stream_data=b"BT ET 0 0 100 100 re f"))
    writer.add_stream_to_page(0, stream)
    out = io.BytesIO()
    writer.write(out)
    certified = signing.signatures_in(out.getvalue())[0]
    assert certified.intact and certified.valid and certified.trusted
    assert not certified.modifications_allowed and not certified.ok


def test_with_a_tsa_the_deferred_and_server_signatures_carry_a_trusted_timestamp(
    school_data, settings, tsa_server_factory
):
    paths = signing.dev_pki()
    devpki.ensure_ca(paths)
    devpki.ensure_tsa(paths)
    url = tsa_server_factory(paths.tsa_cert, paths.tsa_key, [paths.ca_cert])
    settings.SIGNING = {**settings.SIGNING, "TSA_URL": url}
    pdf, _teacher, principal = _teacher_signed(school_data)
    pending = _prepare_principal(pdf, principal)
    result = signing.finish_signature(pending, _agent_cms(principal, pending.signed_attributes))
    assert result.timestamped
    found = signing.signatures_in(result.pdf)
    assert [s.timestamped for s in found] == [True, True]
    assert all(s.ok for s in found), found


def test_a_file_with_three_chain_signatures_stays_valid_pdfa(school_data, tmp_path):
    from tests.archive.test_pdfa import verapdf

    path = tmp_path / "chain.pdf"
    path.write_bytes(_full_chain(school_data))
    report = verapdf(path)
    assert report.startswith("PASS"), report
