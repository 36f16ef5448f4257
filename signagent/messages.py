"""What the agent says to the person at the PC and to the browser, in Vietnamese.

The agent does not carry Django's gettext machinery (it runs on a school PC without
the server); the messages live here, in one place, so a translation or a wording
change touches one file.
"""

from __future__ import annotations

FORBIDDEN_ORIGIN = "Trang web này không được phép dùng trình ký số trên máy tính này."
FORBIDDEN_HOST = "Yêu cầu không gửi tới địa chỉ của trình ký số (127.0.0.1); đã từ chối."
NOT_FOUND = "Trình ký số không có chức năng này."
METHOD_NOT_ALLOWED = "Phương thức không được hỗ trợ ở địa chỉ này."
LENGTH_REQUIRED = "Yêu cầu ký phải ghi rõ độ dài nội dung (Content-Length)."
BODY_TOO_LARGE = "Yêu cầu ký quá lớn: tối đa {megabytes} MB mỗi lần."
TOO_MANY_ITEMS = "Lô quá lớn: tối đa {limit} hồ sơ mỗi lần ký."
BAD_JSON = "Yêu cầu ký không đúng định dạng JSON."
BAD_CONTENT_TYPE = "Yêu cầu ký phải có Content-Type: application/json."
BAD_REQUEST = "Yêu cầu ký không hợp lệ: {reason}."
BUSY = "Trình ký số đang ký một lô khác; hãy chờ lô đó xong rồi thử lại."

# Per item: the item is refused and the others are still signed.
ITEM_ATTRIBUTES_UNREADABLE = "Dữ liệu cần ký của hồ sơ này không đọc được; chưa ký."
ITEM_ATTRIBUTE_MISSING = "Dữ liệu cần ký thiếu thuộc tính bắt buộc ({name}); chưa ký."
ITEM_CONTENT_TYPE = "Dữ liệu cần ký không phải của một tài liệu PDF (content-type); chưa ký."
ITEM_DIGEST_MISMATCH = (
    "Mã băm của hồ sơ không khớp với dữ liệu cần ký; chưa ký (hãy tải lại trang và thử lại)."
)
ITEM_DIGEST_ALGORITHM = "Thuật toán băm {algorithm} không được phép; chỉ dùng {allowed}."
ITEM_OTHER_CERTIFICATE = (
    "Hồ sơ này được chuẩn bị cho một chứng thư số khác với chứng thư đã chọn; chưa ký."
)
ITEM_SIGNING_FAILED = "Thiết bị ký không ký được hồ sơ này; chưa ký."

# For the whole batch: every item gets the same message.
PIN_INCORRECT = "Mã PIN không đúng; chưa ký hồ sơ nào. Hãy ký lại và nhập đúng mã PIN."
PIN_LOCKED = (
    "Thiết bị ký đã bị khoá vì nhập sai mã PIN quá số lần cho phép; "
    "hãy liên hệ nơi cấp chứng thư số."
)
PIN_CANCELLED = "Đã huỷ nhập mã PIN; chưa ký hồ sơ nào."
TOKEN_ABSENT = "Không tìm thấy thiết bị ký (USB token); hãy cắm thiết bị rồi thử lại."
CERTIFICATE_UNKNOWN = "Không tìm thấy chứng thư số đã chọn trên thiết bị ký."
TOKEN_FAILED = "Thiết bị ký báo lỗi; chưa ký hồ sơ nào. Hãy rút thiết bị ra, cắm lại và thử lại."

# On the agent's terminal.
PIN_PROMPT = "Ký {count} hồ sơ: nhập mã PIN của thiết bị ký"
BATCH_HEADER = "Yêu cầu ký từ {origin}: {count} hồ sơ, chứng thư số {certificate}"
BATCH_LINE = "  {number}. {title}  (SHA-256 {digest})"
KEY_MISSING = "Thiết bị ký không có khoá bí mật của chứng thư số đã chọn."
