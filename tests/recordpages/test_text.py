import pytest

from recordpages.text import fold, normalize_text, vn_slugify


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("hoà", "hòa"),
        ("khoá", "khóa"),
        ("CỘNG HOÀ", "CỘNG HÒA"),
        ("thuỷ", "thủy"),
        ("Hoà Nghĩa", "Hòa Nghĩa"),
        ("hoè", "hòe"),
    ],
)
def test_old_and_new_tone_placement_normalise_to_the_same_text(old, new):
    assert normalize_text(old) == normalize_text(new) == new


@pytest.mark.parametrize("word", ["quý", "hoàng", "thuế", "khoảng", "quà", "thuyền"])
def test_tone_placement_is_left_alone_where_both_spellings_agree(word):
    assert normalize_text(word) == word


def test_decomposed_input_is_composed():
    decomposed = "Nguye\u0302\u0303n"
    assert normalize_text(decomposed) == "Nguyễn"


def test_folding_removes_diacritics_and_maps_d_stroke():
    assert fold("Sổ Đăng Bộ") == "so dang bo"
    assert fold("Kế hoạch dạy học") == "ke hoach day hoc"


def test_slugs_are_ascii_and_keep_the_d():
    assert vn_slugify("Kế hoạch bài dạy tuần 5 – Nguyễn Thị Lan – Tổ 2") == (
        "ke-hoach-bai-day-tuan-5-nguyen-thi-lan-to-2"
    )
    assert vn_slugify("Sổ đăng bộ") == "so-dang-bo"
