"""Realistic Vietnamese names, drawn deterministically."""

from __future__ import annotations

import random

# Weights follow the commonly cited shares of Vietnamese family names.
SURNAMES = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Vũ", 4),
    ("Phan", 4),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Ngô", 1),
    ("Dương", 1),
    ("Đào", 1),
    ("Lương", 1),
    ("Mạc", 1),
    ("Tô", 1),
    ("Hà", 1),
    ("Đinh", 1),
]
MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quang", "Hoàng", "Gia", "Bảo", "Anh", "Thành", "Hữu", "Đăng"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Minh", "Bảo", "Khánh", "Phương", "Thanh", "Thị Ngọc", "Hải"]
GIVEN_MALE = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hiếu",
    "Hùng",
    "Huy",
    "Khang",
    "Khoa",
    "Khôi",
    "Lâm",
    "Long",
    "Minh",
    "Nam",
    "Nhật",
    "Phong",
    "Phúc",
    "Quân",
    "Sơn",
    "Tài",
    "Thành",
    "Thịnh",
    "Trung",
    "Tuấn",
    "Vinh",
    "Việt",
    "Đăng",
    "Hải",
    "Kiên",
]
GIVEN_FEMALE = [
    "Anh",
    "Ánh",
    "Chi",
    "Diệp",
    "Dung",
    "Giang",
    "Hà",
    "Hân",
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Ngọc",
    "Nhi",
    "Nhung",
    "Oanh",
    "Phương",
    "Quỳnh",
    "Thảo",
    "Trang",
    "Trâm",
    "Uyên",
    "Vy",
    "Yến",
    "Thủy",
]
OCCUPATIONS = [
    "Công nhân",
    "Kinh doanh",
    "Nông dân",
    "Giáo viên",
    "Lái xe",
    "Kỹ sư",
    "Nội trợ",
    "Công chức",
    "Thợ may",
    "Buôn bán",
    "Nhân viên văn phòng",
    "Ngư dân",
]


def full_name(rng: random.Random, sex: str) -> str:
    surnames, weights = zip(*SURNAMES, strict=True)
    surname = rng.choices(surnames, weights)[0]
    if sex == "nam":
        return f"{surname} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    return f"{surname} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"


def parent_names(rng: random.Random, child_surname: str) -> tuple[str, str]:
    father = f"{child_surname} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    mother = full_name(rng, "nu")
    return father, mother
