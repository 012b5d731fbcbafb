"""The category suggested for an opinion's text: Chinese words by jieba, then keyword rules while few categories have
been confirmed (cold start), then a multinomial naive Bayes classifier trained on the categories people confirmed.

Naive Bayes over word counts (with add-one smoothing) is a few lines, needs no numeric library, trains on thousands
of short texts in well under a second and does well on short texts of a closed vocabulary like these. The model is
kept per process and retrained when the set of confirmed opinions changes (`trained_model`).
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import jieba
from django.conf import settings

from dangjian.core.files import private_dir

from .choices import Category
from .models import Opinion

KEYWORD_WEIGHT = 2.0  # a keyword of a category counts as this much log-evidence for it, after the cold start too
MIN_CONFIRMED = 30  # confirmed opinions before the classifier takes over from the keyword rules
MIN_LABELS = 3  # and of at least this many categories
TRAIN_LIMIT = 20_000  # the most recent confirmed opinions a model learns from

# Cold start: words that name each category's usual concerns. Matched against the text itself (not only jieba's
# words), so "路灯坏了" and "路灯不亮" both hit 路灯 however the text is cut.
KEYWORDS: dict[str, tuple[str, ...]] = {
    Category.PARTY: ("党员", "支部", "党组织", "组织生活", "三会一课", "党费", "党课", "主题党日", "发展党员", "书记"),
    Category.INFRASTRUCTURE: (
        "道路",
        "路灯",
        "修路",
        "硬化",
        "桥",
        "水渠",
        "自来水",
        "停水",
        "停电",
        "电压",
        "路面",
        "坑洼",
        "排水",
        "网络信号",
    ),
    Category.ENVIRONMENT: ("垃圾", "污水", "卫生", "臭", "厕所", "河道", "清理", "焚烧", "养殖污染", "环境", "粪"),
    Category.WELFARE: ("低保", "养老", "医保", "社保", "五保", "残疾", "救助", "补助金", "高龄", "特困", "孤寡"),
    Category.POLICY: ("补贴", "危房", "改造", "惠农", "扶贫", "政策", "种粮", "耕地", "良种", "到户资金", "贷款"),
    Category.DISPUTE: ("纠纷", "矛盾", "吵架", "争执", "占地", "宅基地", "边界", "邻居", "打架", "赔偿", "欠款"),
    Category.AFFAIRS: ("公开", "财务", "账目", "村务", "作风", "态度", "办事", "不作为", "优亲厚友", "公示", "村干部"),
    Category.ECONOMY: (
        "就业",
        "务工",
        "产业",
        "合作社",
        "销路",
        "种植",
        "养殖",
        "技术培训",
        "集体经济",
        "收入",
        "工作岗位",
    ),
    Category.SERVICES: ("学校", "教师", "上学", "卫生室", "医生", "看病", "药", "幼儿园", "校车", "疫苗", "诊所"),
}
STOPWORDS = frozenset(
    "的 了 是 在 和 也 就 都 而 及 与 着 或 一个 没有 我们 你们 他们 这个 那个 还 又 很 把 被 让 给 对 从 到 吗 呢 "
    "吧 啊 请 希望 能 能否 可以 已经 一直 现在 还是 有 没 不 我 你 他 她 它 这 那 要 会 说 去 来 上 下 里 个".split()
)
_WORD = re.compile(r"[\w\u3400-\u9fff]")

log = logging.getLogger(__name__)
_tokenizer: jieba.Tokenizer | None = None
_lock = threading.Lock()


def tokenizer() -> jieba.Tokenizer:
    """jieba's tokenizer, built once per process; its dictionary cache lives in the data directory's cache folder
    (private, like everything there) rather than in the shared temporary folder."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            made = jieba.Tokenizer()
            made.tmp_dir = str(private_dir(settings.DATA_DIR / "cache"))
            made.initialize()
            _tokenizer = made
    return _tokenizer


def words(text: str) -> list[str]:
    """The text's words: jieba's cut, without punctuation, spaces and the most common function words."""
    return [
        w.lower() for w in tokenizer().lcut(str(text or "")) if w.strip() and _WORD.search(w) and w not in STOPWORDS
    ]


def keyword_hits(text: str) -> dict[str, int]:
    return {str(category): sum(1 for key in keys if key in text) for category, keys in KEYWORDS.items()}


def by_rules(text: str) -> str:
    """The category whose keywords the text names most (the earlier category on a tie); 其他 for none."""
    best, best_hits = Category.OTHER.value, 0
    for category, hits in keyword_hits(text).items():
        if hits > best_hits:
            best, best_hits = str(category), hits
    return best


@dataclass
class NaiveBayes:
    """Multinomial naive Bayes over word counts, add-one smoothed."""

    priors: dict[str, float] = field(default_factory=dict)  # log P(category)
    likelihood: dict[str, dict[str, float]] = field(default_factory=dict)  # log P(word | category)
    unseen: dict[str, float] = field(default_factory=dict)  # log P(word never seen with the category | category)
    vocabulary: frozenset[str] = frozenset()

    @classmethod
    def train(cls, examples: Iterable[tuple[list[str], str]]) -> NaiveBayes:
        docs: Counter = Counter()
        counts: dict[str, Counter] = defaultdict(Counter)
        for tokens, label in examples:
            docs[label] += 1
            counts[label].update(tokens)
        vocabulary = frozenset(w for c in counts.values() for w in c)
        total = sum(docs.values())
        model = cls(vocabulary=vocabulary)
        for label, n in docs.items():
            size = sum(counts[label].values()) + len(vocabulary)
            model.priors[label] = math.log(n / total)
            model.likelihood[label] = {w: math.log((k + 1) / size) for w, k in counts[label].items()}
            model.unseen[label] = math.log(1 / size)
        return model

    def predict(self, tokens: list[str], text: str = "") -> str | None:
        """The most probable category, the keywords the text names counting as evidence too (a few hundred
        confirmed opinions do not yet know every word the rules know); None when neither a word of the text was
        ever seen nor a keyword named (nothing to go on)."""
        known = [w for w in tokens if w in self.vocabulary]
        hits = keyword_hits(text)
        if not self.priors or not (known or any(hits.values())):
            return None
        scores = {
            label: prior
            + sum(self.likelihood[label].get(w, self.unseen[label]) for w in known)
            + KEYWORD_WEIGHT * hits.get(label, 0)
            for label, prior in self.priors.items()
        }
        return max(sorted(scores), key=scores.__getitem__)


RETRAIN_SECONDS = 600


@dataclass
class _Trained:
    count: int  # confirmed opinions when trained
    at: float  # time.monotonic() of the training
    model: NaiveBayes


_model: _Trained | None = None


def trained_model() -> NaiveBayes | None:
    """The classifier trained on the confirmed opinions, or None while there are too few of them (cold start).

    Kept per process and trained again when the confirmed opinions have grown (or shrunk) by a twentieth, at least
    by `MIN_CONFIRMED`, or after ten minutes — not on every new confirmation, which would make an import of a few
    thousand confirmed rows train a few thousand times."""
    global _model
    count = Opinion.objects.filter(confirmed=True).count()
    if count < MIN_CONFIRMED:
        return None
    cached = _model
    if cached is not None:
        drift = abs(count - cached.count)
        fresh = time.monotonic() - cached.at < RETRAIN_SECONDS
        if fresh and drift < max(MIN_CONFIRMED, cached.count // 20):
            return cached.model
    rows = list(Opinion.objects.filter(confirmed=True).order_by("-id").values_list("words", "category")[:TRAIN_LIMIT])
    if len({label for _, label in rows}) < MIN_LABELS:
        return None
    model = NaiveBayes.train((text.split(), label) for text, label in rows)
    _model = _Trained(count, time.monotonic(), model)
    return model


def suggest(text: str, tokens: list[str] | None = None) -> str:
    """The category to offer for `text`: the trained classifier's when there is one and it knows a word of the text,
    otherwise the keyword rules'."""
    tokens = words(text) if tokens is None else tokens
    model = trained_model()
    guess = model.predict(tokens, text) if model is not None else None
    return guess or by_rules(text)
