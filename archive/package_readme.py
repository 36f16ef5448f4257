"""README.txt of the year package: what an archivist reads first, in 2060, without the
software. Vietnamese, UTF-8 with a byte order mark and CRLF line ends, so that Windows
Notepad and every other editor show it right; a BagIt tag file at the bag's top level,
covered by the tag manifests."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Metadata keys of manifest.json and the names of Thông tư 02/2019/TT-BNV they stand for.
FIELD_NAMES = {
    "ma_ho_so": gettext_lazy("Mã hồ sơ"),
    "ma_phong": gettext_lazy("Mã phông lưu trữ"),
    "nam_hinh_thanh_ho_so": gettext_lazy("Năm hình thành hồ sơ"),
    "so_va_ky_hieu_ho_so": gettext_lazy("Số và ký hiệu hồ sơ"),
    "tieu_de_ho_so": gettext_lazy("Tiêu đề hồ sơ"),
    "ma_dinh_danh_van_ban": gettext_lazy("Mã định danh văn bản"),
    "ten_loai_van_ban": gettext_lazy("Tên loại văn bản"),
    "trich_yeu_noi_dung": gettext_lazy("Trích yếu nội dung"),
    "ngay_thang_nam_van_ban": gettext_lazy("Ngày, tháng, năm văn bản"),
    "ten_co_quan_ban_hanh": gettext_lazy("Tên cơ quan, tổ chức ban hành văn bản"),
    "thoi_han_bao_quan": gettext_lazy("Thời hạn bảo quản"),
    "ngon_ngu": gettext_lazy("Ngôn ngữ"),
    "thoi_gian_bat_dau": gettext_lazy("Thời gian bắt đầu"),
    "thoi_gian_ket_thuc": gettext_lazy("Thời gian kết thúc"),
    "so_luong_trang": gettext_lazy("Số lượng trang"),
    "nguoi_ky": gettext_lazy("Người ký"),
    "dinh_dang": gettext_lazy("Định dạng"),
}


def _structure() -> list[str]:
    return [
        _("2. CÁC THƯ MỤC VÀ TỆP"),
        _("README.txt – tệp này."),
        _("bagit.txt – phiên bản chuẩn BagIt (1.0) và bảng mã của các tệp mô tả (UTF-8)."),
        _(
            "bag-info.txt – thông tin về gói: đơn vị hình thành (Source-Organization), địa "
            "chỉ (Organization-Address), liên hệ (Contact-Phone, Contact-Email), mã gói "
            "(External-Identifier), nhóm gói của trường (Bag-Group-Identifier), ngày đóng "
            "gói (Bagging-Date), mã phông (Fonds-Code), năm học (School-Year), ngôn ngữ "
            "(Language) và tóm tắt thời hạn bảo quản (Retention-Summary)."
        ),
        _(
            "manifest-sha512.txt, manifest-sha256.txt – mã băm SHA-512 và SHA-256 của "
            "từng tệp trong thư mục data/."
        ),
        _(
            "tagmanifest-sha512.txt, tagmanifest-sha256.txt – mã băm của các tệp ở cấp "
            "trên cùng (README.txt, bagit.txt, bag-info.txt và các tệp manifest)."
        ),
        _(
            "data/documents/<loại hồ sơ>/ – các hồ sơ đã ký số, định dạng PDF/A; tên tệp "
            "gồm loại hồ sơ, tiêu đề và phiên bản. Hồ sơ nộp dưới dạng tệp (Word, PDF…) có "
            "tệp gốc nằm cạnh bản PDF/A đã ký, cùng tên, đuôi .goc.<phần mở rộng> "
            "(ví dụ .goc.docx); mã băm của tệp gốc ghi trong manifest.json."
        ),
        _("data/minutes/ – biên bản sửa dữ liệu đã ký số (PDF/A)."),
        _(
            "data/exports/ – sổ đăng bộ và kết quả giáo dục các lớp dạng bảng tính (XLSX) "
            "và văn bản (CSV, UTF-8); data/exports/csdl-nganh/ – các tệp dữ liệu CSDL "
            "ngành đã áp dụng trong năm học, giữ nguyên như khi nhập."
        ),
        _(
            "data/audit/audit-log.jsonl – nhật ký hệ thống: mỗi dòng là một sự kiện (JSON), "
            "gồm mọi sự kiện về các hồ sơ của năm học (dù ghi vào lúc nào) và các sự kiện "
            "khác của trường trong năm học; mỗi sự kiện mang mã băm của sự kiện trước nó "
            "(prev_hash, hash) nên không thể sửa, xóa hay chèn mà không bị phát hiện. "
            "data/audit/chain-verification.json – kết quả kiểm tra chuỗi khi đóng gói."
        ),
        _(
            "data/audit/checkpoints/ – các điểm neo của nhật ký: tệp .p7m là dữ liệu đã ký "
            "(CMS), tệp .json cùng tên là nội dung của nó để đọc."
        ),
        _("data/trust/ – chứng thư số gốc tin cậy (PEM), đặt tên theo chủ thể."),
        _(
            "data/validation/certificates/, crls/, ocsp/ – dữ liệu xác thực mà các chữ ký "
            "dựa vào: chứng thư số, danh sách chứng thư bị thu hồi (CRL), phản hồi OCSP, "
            "dạng DER; tên tệp là mã SHA-256 của nội dung, mỗi nội dung chỉ một tệp."
        ),
        _(
            "data/manifest.json – siêu dữ liệu của từng tài liệu (mục “metadata”, theo "
            "Thông tư 02/2019/TT-BNV), thời hạn bảo quản và căn cứ, và dữ liệu xác thực "
            "mà tài liệu dùng (mục “validation_data”)."
        ),
        _("data/signature-report.json – kết quả kiểm tra chữ ký số lúc đóng gói."),
    ]


def _integrity() -> list[str]:
    return [
        _("3. KIỂM TRA TÍNH TOÀN VẸN"),
        _(
            "Tính mã băm SHA-512 (hoặc SHA-256) của từng tệp trong data/ và so với dòng "
            "tương ứng của manifest-sha512.txt (hoặc manifest-sha256.txt); làm như vậy với "
            "tagmanifest cho các tệp ở cấp trên cùng. Mọi mã băm phải trùng khớp và không "
            "được thiếu hay thừa tệp nào. Dùng bất kỳ công cụ BagIt nào (ví dụ: "
            "bagit.py --validate <thư mục gói>) hoặc bất kỳ công cụ tính mã băm nào "
            "(sha512sum trên Linux, Get-FileHash -Algorithm SHA512 trên Windows). Có hai "
            "thuật toán để khi một thuật toán không còn được coi là an toàn, thuật toán kia "
            "vẫn dùng được."
        ),
    ]


def _signatures() -> list[str]:
    return [
        _("4. KIỂM TRA CHỮ KÝ SỐ"),
        _(
            "Mỗi tệp PDF mang chữ ký số theo chuẩn PAdES (ETSI EN 319 142). Dùng bất kỳ phần "
            "mềm kiểm tra chữ ký PAdES nào, khai báo các chứng thư trong data/trust/ là "
            "chứng thư gốc tin cậy. Dữ liệu xác thực nằm ngay trong tệp PDF (DSS) và được "
            "chép ra data/validation/; manifest.json cho biết tài liệu nào dùng tệp nào. "
            "Khi các chứng thư đã hết hạn, kiểm tra chữ ký tại thời điểm ký ghi trong dấu "
            "thời gian, với dữ liệu xác thực có trong gói."
        ),
    ]


def _codes() -> list[str]:
    lines = [
        _("5. Ý NGHĨA CÁC MÃ"),
        _(
            "Mã định danh văn bản: <mã trường>-<số hồ sơ>-v<phiên bản>; biên bản sửa dữ "
            "liệu có thêm -BB. Mã hồ sơ: <mã phông>.<năm hình thành hồ sơ>.<số hồ sơ>. "
            "Mã phông: mã của trường trên CSDL ngành (hoặc mã trường khi chưa có), cho đến "
            "khi cơ quan lưu trữ cấp mã phông. storage_key: vị trí tệp trong kho lưu trữ "
            "của hệ thống."
        ),
        _(
            "Trong học bạ và bảng tổng hợp (Thông tư 27/2020/TT-BGDĐT): T – Hoàn thành tốt, "
            "H – Hoàn thành, C – Chưa hoàn thành (môn học, hoạt động giáo dục); T – Tốt, "
            "Đ – Đạt, C – Cần cố gắng (phẩm chất, năng lực)."
        ),
        _("Các trường siêu dữ liệu trong manifest.json:"),
    ]
    lines += [f"  {key}: {name}" for key, name in FIELD_NAMES.items()]
    return lines


def readme_text(
    *, school, year, fonds: str, bagged_on: dt.date, retention_lines: list[str]
) -> bytes:
    """The README's bytes: UTF-8 with BOM, CRLF."""
    lines = [
        _("HỒ SƠ CHUYÊN MÔN ĐIỆN TỬ – GÓI HỒ SƠ NĂM HỌC %(year)s") % {"year": year.name},
        _("Đơn vị hình thành: %(school)s (mã trường %(code)s, mã phông %(fonds)s)")
        % {"school": school.name, "code": school.code, "fonds": fonds},
        _("Ngày đóng gói: %(date)s") % {"date": bagged_on.strftime("%d/%m/%Y")},
        "",
        _("1. GÓI NÀY LÀ GÌ"),
        _(
            "Gói chứa các hồ sơ chuyên môn đã ký số của nhà trường trong năm học, cùng mọi "
            "thứ cần để đọc và kiểm tra chúng mà không cần phần mềm đã tạo ra gói. Gói theo "
            "chuẩn BagIt 1.0 (RFC 8493): tệp nội dung nằm trong thư mục data/, các tệp mô "
            "tả nằm ở cấp trên cùng. Mọi tệp văn bản dùng bảng mã UTF-8."
        ),
        "",
        *_structure(),
        "",
        *_integrity(),
        "",
        *_signatures(),
        "",
        *_codes(),
        "",
        _("6. THỜI HẠN BẢO QUẢN"),
        _(
            "Theo loại tài liệu (thời hạn; số tài liệu; căn cứ). Thời hạn của từng tài liệu "
            "và căn cứ của nó có trong manifest.json (retention, retention_source)."
        ),
        *retention_lines,
    ]
    text = "\r\n".join(lines) + "\r\n"
    return ("\ufeff" + text).encode("utf-8")
