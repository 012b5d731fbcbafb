"""Generated Chinese names for demo data: surname and given-name characters drawn at random.

The combinations are invented; no list of real persons is used.
"""

from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# Weighted towards the most frequent surnames, as a real register would be.
_SURNAME_WEIGHTS = [max(1, 40 - i // 3) for i in range(len(SURNAMES))]

GIVEN_MALE = "伟强军磊洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣振国建文东海峰志永春亮成"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英兰红梅琳婷雪慧颖洁琴云莲萍燕晶倩月凤玉佳媛蕾薇丹宁欣怡悦"
GIVEN_COMMON = "晓立德思新子天一世海春文明金红小建志卫振"

VILLAGE_WORDS = (
    "青松",
    "白桦",
    "红旗",
    "前进",
    "胜利",
    "丰收",
    "新华",
    "团结",
    "友谊",
    "光明",
    "兴隆",
    "太平",
    "永安",
    "长青",
    "东升",
    "西岭",
    "南河",
    "北山",
    "金沙",
    "银河",
    "双河",
    "三合",
    "四方",
    "五星",
    "六合",
    "七星",
    "八里",
    "九龙",
    "十里",
    "杨树",
    "柳林",
    "榆树",
    "松林",
    "桦甸",
    "林海",
    "雪峰",
    "冰川",
    "河湾",
    "山口",
    "平原",
    "富强",
    "和平",
    "兴安",
    "安康",
    "福源",
    "瑞丰",
    "宏伟",
    "新立",
    "向阳",
    "朝阳",
    "春风",
    "秋实",
    "腊梅",
    "翠屏",
    "红星",
    "黎明",
    "龙泉",
    "凤山",
    "金星",
    "玉泉",
    "石门",
    "沙河",
    "清水",
    "大兴",
    "小河",
    "古城",
    "新兴",
    "永丰",
    "东方",
    "长胜",
    "红光",
    "育新",
    "建华",
    "复兴",
    "利民",
    "惠民",
    "富民",
    "兴旺",
    "鸿雁",
    "白云",
    "碧水",
    "青山",
    "绿源",
    "松花",
    "桦林",
    "柞树",
    "椴木",
    "鹿鸣",
    "雁来",
    "映山",
    "望江",
    "临河",
    "靠山",
    "岭南",
    "岭北",
    "河东",
    "河沿",
    "江湾",
)
COMMUNITY_WORDS = (
    "解放",
    "人民",
    "建设",
    "文化",
    "园林",
    "滨河",
    "站前",
    "育才",
    "中心",
    "新风",
    "和谐",
    "幸福",
    "康乐",
    "锦绣",
    "阳光",
    "花园",
    "书香",
    "桥东",
    "桥西",
    "新村",
)
FIRM_WORDS = (
    "鑫源",
    "恒通",
    "华林",
    "北辰",
    "远航",
    "金穗",
    "宏达",
    "鸿运",
    "长城",
    "天成",
    "瑞祥",
    "森宝",
    "雪原",
    "极光",
    "汇丰",
    "嘉禾",
    "润泽",
    "万象",
    "安信",
    "博远",
)


def person_name(rng: random.Random, gender_male: bool) -> str:
    """A two- or three-character name; most given names have two characters."""
    surname = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    pool = GIVEN_MALE if gender_male else GIVEN_FEMALE
    if rng.random() < 0.25:
        return surname + rng.choice(pool)
    return surname + rng.choice(GIVEN_COMMON + pool) + rng.choice(pool)


def unique_words(rng: random.Random, words: tuple[str, ...], count: int) -> list[str]:
    """`count` distinct place words; beyond the list, words get a number so they stay distinct."""
    pool = list(words)
    rng.shuffle(pool)
    out = pool[:count]
    n = 2
    while len(out) < count:
        out.extend(f"{w}{n}" for w in pool[: count - len(out)])
        n += 1
    return out
