"""A deterministic, realistic synthetic Telegram Desktop export (single channel, new format).

What it writes follows ../shared/data/telegram/SCHEMA.md and Telegram Desktop's
own layout (one-space indentation, keys in Desktop's order):

* `date` as local time (UTC+3, no zone) and `date_unixtime` as a *string*;
  `from_id` as `channel<id>`; `text_entities` on every message;
* `text` a plain string, or (about 45 %) a list mixing strings and entity
  objects: bold, text_link (with `href`), link, mention, hashtag;
* message text 50-1,000 characters, 20 % Arabic built from real Arabic words,
  some spelled with diacritics, tatweel, bare alef, ha for ta marbuta or ya for
  alef maqsura (the variants search must fold together);
* about 10 % forwards (`forwarded_from`), 15 % replies (`reply_to_message_id`),
  a few service messages (channel created, pins, photo changes), 8 % photos with
  a caption, 3 % media only (photo or video, no text), some edits, reactions and
  signatures.

The file is written message by message (never the whole list in memory), so
1,000,000 messages take as little memory as 100.  The same seed and count give
the same bytes.  `python -m benchmarks.telegram_export OUT.json --messages N`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

GENERATOR_VERSION = 1  # bump when the output changes, so cached exports are regenerated

CHAT_NAME = "Nashir News Agency (synthetic)"
CHAT_ID = 1356781234
CHAT_TYPE = "public_channel"
LOCAL_ZONE = timezone(timedelta(hours=3))  # what the exporting machine's clock said
START = datetime(2019, 3, 1, tzinfo=timezone.utc)
MEAN_GAP_S = 55  # 1,000,000 messages span about 21 months

# English news vocabulary; multi-word entries keep phrases ("Islamic State") findable.
ENGLISH_FUNCTION = (
    "the of and to in a on for with that by from at as is was were has have had are be been "
    "after against near during over under into their its this these which who while than also "
    "more most many some all about between before since"
).split()
ENGLISH_CONTENT = (
    "attack attacks soldiers fighters militants militia military army forces police officers "
    "commander commanders killed wounded dead injured casualties civilians children families "
    "village villages city cities town district province region border checkpoint headquarters "
    "airstrike airstrikes drone drones rocket rockets mortar shelling bombing explosion explosive "
    "car bomb suicide operation operations offensive assault ambush clashes battle battles fighting "
    "front frontline positions convoy vehicle vehicles tank tanks weapons ammunition equipment "
    "captured seized destroyed targeted launched repelled advanced retreated surrounded besieged "
    "government ministry minister president spokesman statement official officials sources reports "
    "agency news media video footage photos released published announced claimed confirmed denied "
    "coalition alliance international regime opposition rebels tribal tribes leaders leader sheikh "
    "caliphate emir province governor council security intelligence prison prisoners hostages "
    "ceasefire negotiations truce agreement withdrawal reinforcements deployment patrol raid raids "
    "mosque market hospital school bridge road highway airport base oil field fields desert river "
    "east west north south eastern western northern southern central outskirts neighbourhood "
    "morning evening night yesterday today week month hours days dozens hundreds thousands several "
    "dawn sunset heavy fierce new large small major local foreign regional humanitarian aid refugees "
    "displaced camp camps crisis water electricity food medical doctors victory defeat martyrdom "
    "faith believers brothers enemies crusaders apostates infidels jihad mujahideen warriors"
).split()
ENGLISH_NAMES = (
    "Mosul Raqqa Aleppo Baghdad Damascus Idlib Homs Deir_ez-Zor Fallujah Ramadi Tikrit Kirkuk Erbil "
    "Palmyra Sirte Benghazi Sinai Kabul Nangarhar Borno Sahel Mali Niger Syria Iraq Libya Egypt "
    "Afghanistan Nigeria Somalia Yemen Turkey Iran Russia America Europe Kurdish Peshmerga Assad"
).replace("_", " ").split()
ENGLISH_PHRASES = [
    "Islamic State", "the Caliphate", "coalition forces", "Iraqi army", "Syrian regime", "Amaq Agency",
    "Nashir News", "breaking news", "security forces", "Wilayat Sinai", "Wilayat Khurasan", "Amir al-Mu'minin",
]

ARABIC_WORDS = (
    "في من على إلى عن مع بعد قبل حيث التي الذي هذه هذا ذلك تلك كان كانت قد لقد وقد ثم أو أن إن "
    "الدولة الإسلامية الخلافة أمير المؤمنين ولاية جنود المجاهدين مجاهدي الإسلام المسلمين الله "
    "الموصل الرقة حلب بغداد دمشق إدلب حمص الفلوجة الرمادي تكريت كركوك سيناء ليبيا الشام العراق "
    "سوريا مصر اليمن الصومال نيجيريا أفغانستان خراسان الصحراء الفرات دجلة "
    "الجيش الشرطة القوات الأمن الحشد الرافضي الصليبي التحالف الدولي النظام النصيري المرتدين "
    "الكفار الصليبيين الطواغيت الصحوات البيشمركة الأمريكي الروسي التركي الإيراني "
    "هجوم هجمات قصف غارة غارات طائرة مسيرة صواريخ قذائف هاون عبوة ناسفة سيارة مفخخة "
    "عملية عمليات استشهادية انتحارية اشتباكات معارك معركة اقتحام كمين تفجير انفجار "
    "مقتل قتلى جرحى أسرى شهداء عناصر مقاتلين ضباط جنود آليات دبابة عربة مدرعة أسلحة ذخائر "
    "مدينة قرية بلدة حي منطقة مناطق محافظة ريف شمال جنوب شرق غرب مركز حاجز مقر سجن "
    "بيان إصدار مرئي صوتي كلمة الشيخ المتحدث الرسمي وكالة أعماق الإخبارية عاجل خبر أخبار "
    "اليوم أمس صباح مساء ليلة الفجر ساعات أيام أسبوع شهر عشرات مئات آلاف عدد كبير "
    "النصر الفتح الجهاد الشهادة الإيمان الأمة العدو الأعداء الحرب الدين الحق الباطل "
    "أعلنت أكدت نفت تبنت استهدفت دمرت سيطرت حررت انسحبت تقدمت أسفر أدى وأسفر مما "
    "الحكومة الوزير الرئيس المسؤولين المصادر التقارير الإعلام المدنيين الأطفال العائلات "
    "المستشفى المسجد السوق المدرسة الجسر الطريق المطار القاعدة النفط الحقول النهر المخيم"
).split()
ARABIC_PHRASES = ["الدولة الإسلامية", "أمير المؤمنين", "وكالة أعماق", "التحالف الصليبي", "ولاية الشام"]
ARABIC_HASHTAGS = ["#الدولة_الإسلامية", "#عاجل", "#الموصل", "#الرقة", "#ولاية_سيناء", "#أعماق"]
ENGLISH_HASHTAGS = ["#Mosul", "#Raqqa", "#BreakingNews", "#IslamicState", "#Syria", "#Iraq", "#Sinai"]
MENTIONS = ["@nashir_news", "@amaq_agency", "@khilafah_news", "@almurasil", "@news_bulletin"]
FORWARD_SOURCES = [
    "Amaq Agency", "Nashir News", "وكالة أعماق الإخبارية", "مؤسسة الفرقان", "Al-Naba weekly",
    "Khilafah News", "ناشر نيوز", "Sinai Province Media", "Wilayat Khurasan", "Rumiyah Magazine",
]
SIGNATURES = ["Abu Muhammad", "أبو عمر", "Editor", "News desk"]
REACTIONS = ["👍", "❤", "🔥", "😢", "👏"]
ACTIONS = ["pin_message", "pin_message", "pin_message", "edit_group_photo", "edit_group_title"]

DIACRITICS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"  # tanween, harakat, shadda, sukun
TATWEEL = "\u0640"
NON_CONNECTING = set("اأإآدذرزوؤة ى")  # letters after which a kashida cannot be drawn
VARIANT_LETTERS = {"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"}


def _zipf_cumulative(count: int, exponent: float = 1.0, offset: float = 2.7) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + offset) ** exponent for rank in range(count)))


class _Vocabulary:
    def __init__(self, words: list[str], seed: int) -> None:
        shuffled = list(dict.fromkeys(words))
        random.Random(seed).shuffle(shuffled)
        self.words = shuffled
        self.cumulative = _zipf_cumulative(len(shuffled))


class MessageFactory:
    """Builds one message dict at a time; all randomness comes from one seeded Random."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.english = _Vocabulary(ENGLISH_FUNCTION + ENGLISH_CONTENT + ENGLISH_NAMES + ENGLISH_PHRASES, 11)
        # Function words are the most frequent: put them first, as a Zipf head.
        self.english.words = ENGLISH_FUNCTION + [w for w in self.english.words if w not in ENGLISH_FUNCTION]
        self.arabic = _Vocabulary(ARABIC_WORDS + ARABIC_PHRASES, 13)
        self.moment = START
        self.message_id = 0
        self.photo_number = 0
        self.file_number = 0
        self.last_arabic = False

    # -- text ------------------------------------------------------------------

    def _arabic_variant(self, word: str) -> str:
        """Real-world spelling variation: diacritics, tatweel, bare alef, ha for ta marbuta."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.75:
            return word
        if roll < 0.83:  # diacritics after some letters
            return "".join(c + (rng.choice(DIACRITICS) if c != " " and rng.random() < 0.5 else "") for c in word)
        if roll < 0.89:  # one kashida inside the word
            positions = [i for i in range(1, len(word) - 1) if word[i - 1] not in NON_CONNECTING and word[i] != " "]
            if positions:
                i = rng.choice(positions)
                return word[:i] + TATWEEL * rng.randint(1, 3) + word[i:]
            return word
        return "".join(VARIANT_LETTERS.get(c, c) for c in word)  # informal spelling

    def _sentence(self, arabic: bool) -> str:
        rng = self.rng
        vocabulary = self.arabic if arabic else self.english
        words = rng.choices(vocabulary.words, cum_weights=vocabulary.cumulative, k=rng.randint(5, 18))
        if arabic:
            words = [self._arabic_variant(word) for word in words]
            return " ".join(words) + rng.choice((".", ".", "،", "!", ":"))
        sentence = " ".join(words)
        return sentence[0].upper() + sentence[1:] + rng.choice((".", ".", ".", "!", "?"))

    def _body(self, arabic: bool, length: int, shortest: int = 50) -> str:
        sentences: list[str] = []
        total = 0
        while total < length:
            sentence = self._sentence(arabic)
            sentences.append(sentence)
            total += len(sentence) + 1
            if self.rng.random() < 0.12:
                sentences.append("\n\n")
        text = " ".join(sentences).replace(" \n\n ", "\n\n").strip()
        if len(text) > length:  # cut at a word boundary, never below `shortest` characters
            cut = text.rfind(" ", shortest, length + 1)
            if cut < 0:
                cut = text.find(" ", length)
            text = text[:cut].rstrip() if cut > 0 else text
        return text

    def _text(self, arabic: bool) -> tuple[Any, list[dict[str, Any]]]:
        """(text, text_entities) as Desktop writes them: a string, or a list of strings and entities."""
        rng = self.rng
        length = 50 + int(930 * rng.random() ** 1.6)
        if rng.random() >= 0.45:
            body = self._body(arabic, length)
            return body, [{"type": "plain", "text": body}]
        parts: list[Any] = []
        budget = length
        if rng.random() < 0.5:  # a bold headline
            headline = self._sentence(arabic)[:120].strip()
            parts += [{"type": "bold", "text": headline}, "\n\n"]
            budget -= len(headline) + 2
        body = self._body(arabic, max(50, budget - 50), shortest=40)
        words = body.split(" ")
        if len(words) > 8 and rng.random() < 0.5:  # a few words of the body link somewhere
            start = rng.randint(1, len(words) - 4)
            link_text = " ".join(words[start:start + rng.randint(1, 3)])
            parts += [" ".join(words[:start]) + " ",
                      {"type": "text_link", "text": link_text,
                       "href": f"https://example.org/{'ar' if arabic else 'en'}/article/{rng.randint(1, 10**6)}"},
                      " " + " ".join(words[start + link_text.count(" ") + 1:])]
        else:
            parts.append(body)
        extras = rng.randint(1, 3)
        for _ in range(extras):
            kind = rng.random()
            if kind < 0.5:
                parts += [" ", {"type": "hashtag", "text": rng.choice(ARABIC_HASHTAGS if arabic else ENGLISH_HASHTAGS)}]
            elif kind < 0.8:
                parts += ["\n", {"type": "mention", "text": rng.choice(MENTIONS)}]
            else:
                parts += ["\n", {"type": "link", "text": f"https://t.me/nashir_news/{rng.randint(1, 90000)}"}]
        merged: list[Any] = []
        for part in parts:  # adjacent strings are one run in a real export
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            elif part != "":
                merged.append(part)
        entities = [{"type": "plain", "text": part} if isinstance(part, str) else part for part in merged]
        return merged, entities

    # -- messages --------------------------------------------------------------

    def _dates(self, key: str, moment: datetime) -> dict[str, str]:
        return {key: moment.astimezone(LOCAL_ZONE).replace(tzinfo=None).isoformat(),
                f"{key}_unixtime": str(int(moment.timestamp()))}

    def _media_name(self, folder: str, number: int, suffix: str) -> str:
        return f"{folder}/{folder.rstrip('s')}_{number}@{self.moment.astimezone(LOCAL_ZONE):%d-%m-%Y_%H-%M-%S}{suffix}"

    def _photo(self) -> dict[str, Any]:
        self.photo_number += 1
        if self.rng.random() < 0.1:
            path = "(File not included. Change data exporting settings to download.)"
        else:
            path = self._media_name("photos", self.photo_number, ".jpg")
        return {"photo": path, "photo_file_size": self.rng.randint(20_000, 400_000),
                "width": self.rng.choice((1280, 960, 800)), "height": self.rng.choice((720, 1280, 960))}

    def _video(self) -> dict[str, Any]:
        self.file_number += 1
        rng = self.rng
        return {
            "file": self._media_name("video_files", self.file_number, ".mp4"),
            "file_name": f"release_{self.file_number}.mp4", "file_size": rng.randint(10**6, 8 * 10**7),
            "thumbnail": self._media_name("video_files", self.file_number, ".mp4_thumb.jpg"),
            "media_type": "video_file", "mime_type": "video/mp4",
            "duration_seconds": rng.randint(10, 1800), "width": 1280, "height": 720,
        }

    def next_message(self) -> dict[str, Any]:
        rng = self.rng
        self.message_id += 1
        self.moment += timedelta(seconds=1 + int(rng.expovariate(1 / MEAN_GAP_S)))
        message: dict[str, Any] = {"id": self.message_id}
        roll = rng.random()
        if self.message_id == 1 or roll < 0.004:  # service message
            action = "create_channel" if self.message_id == 1 else rng.choice(ACTIONS)
            message |= {"type": "service", **self._dates("date", self.moment),
                        "actor": CHAT_NAME, "actor_id": f"channel{CHAT_ID}", "action": action}
            if action == "create_channel":
                message["title"] = CHAT_NAME
            elif action == "pin_message":
                message["message_id"] = max(1, self.message_id - rng.randint(1, 50))
            elif action == "edit_group_title":
                message["title"] = CHAT_NAME
            else:
                message |= self._photo()
            message |= {"text": "", "text_entities": []}
            return message
        message |= {"type": "message", **self._dates("date", self.moment)}
        if rng.random() < 0.05:
            message |= self._dates("edited", self.moment + timedelta(minutes=rng.randint(1, 600)))
        message |= {"from": CHAT_NAME, "from_id": f"channel{CHAT_ID}"}
        if rng.random() < 0.05:
            message["author"] = rng.choice(SIGNATURES)
        if rng.random() < 0.10:
            message["forwarded_from"] = rng.choice(FORWARD_SOURCES)
        if rng.random() < 0.15 and self.message_id > 2:
            message["reply_to_message_id"] = max(1, self.message_id - 1 - int(rng.expovariate(1 / 40)))
        media = rng.random()
        self.last_arabic = False
        if media < 0.03:  # media only, no caption
            message |= self._photo() if rng.random() < 0.6 else self._video()
            message |= {"text": "", "text_entities": []}
        else:
            if media < 0.11:
                message |= self._photo()
            self.last_arabic = rng.random() < 0.2
            text, entities = self._text(arabic=self.last_arabic)
            message |= {"text": text, "text_entities": entities}
        if rng.random() < 0.10:
            message["reactions"] = [{"type": "emoji", "count": rng.randint(1, 900), "emoji": emoji}
                                    for emoji in rng.sample(REACTIONS, rng.randint(1, 3))]
        return message

    def messages(self, count: int) -> Iterator[dict[str, Any]]:
        for _ in range(count):
            yield self.next_message()


def _indented(value: Any, indent: str) -> str:
    """A message as Desktop prints it inside `messages` (one space per level, here two levels deep)."""
    return json.dumps(value, ensure_ascii=False, indent=1).replace("\n", "\n" + indent)


def write_export(path: Path, count: int, seed: int = 1, pretty: bool = True) -> dict[str, Any]:
    """Write a single-channel result.json with `count` messages; returns counts of what is in it.

    `pretty` gives Desktop's one-space indentation (about 25 % more bytes than compact).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    factory = MessageFactory(seed)
    stats = {"messages": count, "service": 0, "forwards": 0, "replies": 0, "arabic": 0,
             "entity_text": 0, "photos": 0, "media_only": 0}
    temporary = path.with_name(path.name + ".partial")
    with temporary.open("w", encoding="utf-8", newline="\n") as out:
        header = {"name": CHAT_NAME, "type": CHAT_TYPE, "id": CHAT_ID}
        if pretty:
            out.write(json.dumps(header, ensure_ascii=False, indent=1)[:-2] + ',\n "messages": [')
        else:
            out.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "messages": [')
        buffer: list[str] = []
        for number, message in enumerate(factory.messages(count)):
            if message["type"] == "service":
                stats["service"] += 1
            else:
                stats["forwards"] += "forwarded_from" in message
                stats["replies"] += "reply_to_message_id" in message
                stats["entity_text"] += isinstance(message["text"], list)
                stats["photos"] += "photo" in message
                stats["media_only"] += message["text"] == ""
                stats["arabic"] += factory.last_arabic
            encoded = _indented(message, "  ") if pretty else json.dumps(message, ensure_ascii=False)
            buffer.append(("\n  " if pretty else "") + encoded)
            if len(buffer) >= 1000 or number == count - 1:
                out.write(("," if number >= len(buffer) else "") + ",".join(buffer))
                buffer.clear()
        out.write("\n ]\n}\n" if pretty else "]}\n")
    os.replace(temporary, path)
    stats["bytes"] = path.stat().st_size
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compact", action="store_true", help="no indentation")
    arguments = parser.parse_args()
    print(json.dumps(write_export(arguments.out, arguments.messages, arguments.seed, pretty=not arguments.compact)))


if __name__ == "__main__":
    main()
