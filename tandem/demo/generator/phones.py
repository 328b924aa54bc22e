"""Demo phone numbers: realistic, spread over many area codes and cities, and never a real person's.

Every number comes from a range its regulator reserves for fiction (NANPA's 555-0100…0199 in every area code,
Ofcom's drama ranges, ARCEP's and ACMA's), and each is handed out once: the "same phone" duplicates tab then
shows only the pairs the generator planted, not chance collisions. The order is a fixed permutation of each
country's pool, so consecutive people do not get consecutive numbers. A pool that runs out (a million-contact
benchmark seed) starts over: only there do numbers repeat.
"""

from dataclasses import dataclass, field
from functools import cache

# NANP area codes, cities across the US and Canada; 555-0100…0199 is fictional in each of them.
US_AREA_CODES = (
    201, 202, 203, 205, 206, 207, 208, 212, 213, 214, 215, 216, 217, 224, 225, 234, 239, 240, 248, 251, 252,
    253, 254, 256, 260, 262, 267, 269, 270, 281, 301, 302, 303, 304, 305, 307, 308, 309, 310, 312, 313, 314,
    315, 316, 317, 318, 319, 320, 321, 330, 334, 336, 337, 347, 352, 360, 361, 386, 401, 402, 404, 405, 406,
    407, 408, 409, 410, 412, 413, 414, 415, 417, 419, 423, 425, 432, 434, 435, 440, 443, 469, 478, 479, 480,
    484, 501, 502, 503, 504, 505, 507, 508, 509, 510, 512, 513, 515, 516, 517, 518, 520, 530, 531, 540, 541,
    551, 559, 561, 562, 563, 567, 570, 571, 573, 574, 580, 585, 586, 601, 602, 603, 605, 606, 607, 608, 609,
    610, 612, 614, 615, 616, 617, 618, 619, 620, 623, 626, 630, 631, 636, 641, 646, 650, 651, 657, 660, 661,
    662, 678, 682, 701, 702, 703, 704, 706, 707, 708, 712, 713, 714, 715, 716, 717, 718, 719, 720, 724, 727,
    731, 732, 734, 737, 740, 747, 754, 757, 760, 763, 765, 770, 772, 773, 774, 775, 781, 785, 786, 801, 802,
    803, 804, 805, 806, 808, 810, 812, 813, 814, 815, 816, 817, 818, 828, 830, 831, 832, 843, 845, 847, 848,
    850, 856, 857, 858, 859, 860, 862, 863, 864, 865, 870, 901, 903, 904, 907, 908, 909, 910, 912, 913, 914,
    915, 916, 917, 918, 919, 920, 925, 928, 931, 936, 937, 940, 941, 947, 949, 951, 952, 954, 956, 970, 971,
    972, 973, 978, 979, 980, 985, 989,
)  # fmt: skip
CA_AREA_CODES = (
    204, 226, 236, 249, 250, 289, 306, 343, 365, 403, 416, 418, 431, 437, 438, 450, 506, 514, 519, 548, 579,
    581, 587, 604, 613, 639, 647, 705, 709, 778, 780, 782, 807, 819, 825, 867, 873, 902, 905,
)  # fmt: skip

# (E.164 prefix, how many digits follow, which of those numbers to leave out). London's 0500-0699 are left
# to the planted duplicate pairs (history.py).
GB_BLOCKS = (
    ("+4420794600", 2), ("+4420794601", 2), ("+4420794602", 2), ("+4420794603", 2), ("+4420794604", 2),
    ("+4420794607", 2), ("+4420794608", 2), ("+4420794609", 2),
    ("+441134960", 3), ("+441144960", 3), ("+441154960", 3), ("+441164960", 3), ("+441174960", 3),
    ("+441184960", 3), ("+441214960", 3), ("+441314960", 3), ("+441414960", 3), ("+441514960", 3),
    ("+441614960", 3), ("+441914980", 3), ("+442896496", 3), ("+442920180", 3), ("+441632960", 3),
    ("+447700900", 3),
)  # fmt: skip
FR_BLOCKS = (
    ("+33199", 6), ("+33261", 6), ("+33353", 6), ("+33465", 6), ("+33536", 6), ("+33639", 6), ("+33977", 6),
)  # fmt: skip
AU_BLOCKS = (
    ("+61255500", 3), ("+61270100", 3), ("+61355500", 3), ("+61370100", 3), ("+61755500", 3),
    ("+61770100", 3), ("+61855500", 3), ("+61870100", 3), ("+61491570", 3),
)  # fmt: skip


def _nanp_blocks(area_codes: tuple[int, ...]) -> tuple[tuple[str, int], ...]:
    return tuple((f"+1{code}55501", 2) for code in area_codes)


# ARCEP's fiction ranges are 01 99 00 xx xx and so on: the two digits after the prefix are fixed.
_FR_FIXED = {"+33199": "00", "+33261": "91", "+33353": "01", "+33465": "71", "+33536": "49", "+33639": "98",
             "+33977": "42"}  # fmt: skip

BLOCKS = {
    "US": _nanp_blocks(US_AREA_CODES),
    "CA": _nanp_blocks(CA_AREA_CODES),
    "GB": GB_BLOCKS,
    "FR": tuple((prefix + _FR_FIXED[prefix], 4) for prefix, _digits in FR_BLOCKS),
    "AU": AU_BLOCKS,
}


def _pool_size(blocks: tuple[tuple[str, int], ...]) -> int:
    return sum(10**digits for _prefix, digits in blocks)


def _number_at(blocks: tuple[tuple[str, int], ...], position: int) -> str:
    for prefix, digits in blocks:
        size = 10**digits
        if position < size:
            return f"{prefix}{position:0{digits}d}"
        position -= size
    raise IndexError(position)


@cache
def _stride(size: int) -> int:
    """A step coprime with `size` near 0.618 of it: the permutation scatters neighbours across the pool."""
    step = max(1, int(size * 0.6180339887)) | 1
    while _gcd(step, size) != 1:
        step += 2
    return step


def _gcd(first: int, second: int) -> int:
    while second:
        first, second = second, first % second
    return first


_POOL_SIZES = {country: _pool_size(blocks) for country, blocks in BLOCKS.items()}


@dataclass
class PhoneBook:
    """Hands out each country's fictional numbers once, in a fixed scattered order."""

    issued: dict[str, int] = field(default_factory=dict)

    def has_numbers_for(self, country: str) -> bool:
        return country in BLOCKS

    def next_number(self, country: str) -> str:
        blocks = BLOCKS.get(country)
        if not blocks:
            return ""
        size = _POOL_SIZES[country]
        index = self.issued.get(country, 0)
        self.issued[country] = index + 1
        return _number_at(blocks, (index * _stride(size)) % size)
