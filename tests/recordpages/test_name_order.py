"""Pupils are numbered in a class list by Vietnamese alphabetical order (name_order_key)."""

from recordpages.names import name_order_key


def ordered(*names: str) -> list[str]:
    return sorted(names, key=name_order_key)


def test_given_name_first_then_middle_then_family_name():
    assert ordered("Trần Văn Bình", "Nguyễn Thị An", "Lê Minh An") == [
        "Lê Minh An",
        "Nguyễn Thị An",
        "Trần Văn Bình",
    ]


def test_marked_letters_follow_their_base_letter():
    # a < ă < â, d < đ, o < ô < ơ, u < ư: "Ánh" comes before "Ân" although "Â" looks first.
    assert ordered("Lê Đức", "Lê Dũng", "Lê Ân", "Lê Ánh", "Lê Ăn") == [
        "Lê Ánh",
        "Lê Ăn",
        "Lê Ân",
        "Lê Dũng",
        "Lê Đức",
    ]
    assert ordered("Vũ Ưng", "Vũ Uyên", "Vũ Ơn", "Vũ Ôn", "Vũ Oanh") == [
        "Vũ Oanh",
        "Vũ Ôn",
        "Vũ Ơn",
        "Vũ Uyên",
        "Vũ Ưng",
    ]


def test_letters_decide_before_tones_and_tones_go_ngang_huyen_hoi_nga_sac_nang():
    assert ordered("Hà Mạnh", "Hà Mãnh", "Hà Mánh", "Hà Mảnh", "Hà Mành", "Hà Manh") == [
        "Hà Manh",
        "Hà Mành",
        "Hà Mảnh",
        "Hà Mãnh",
        "Hà Mánh",
        "Hà Mạnh",
    ]
    # Tones count only once every letter of the name ties, and the given name's first:
    # "Hoa" before "Hòa" outweighs "Anh" before "Ánh".
    assert ordered("Lê Anh Hòa", "Lê Ánh Hoa") == ["Lê Ánh Hoa", "Lê Anh Hòa"]
