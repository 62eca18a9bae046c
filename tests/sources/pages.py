"""Small pages and feeds the collector tests serve: built here, in the shapes real sites use."""

from __future__ import annotations

from xml.sax.saxutils import escape

ARTICLE_PARAGRAPHS = [
    "Iraq's prime minister arrived in Mosul on Sunday to congratulate the armed forces on their victory over "
    "the Islamic State group, after nearly nine months of fighting in the city.",
    "Crowds celebrated in the streets of Baghdad and Basra, waving flags and singing, as the government "
    "declared the end of the group's rule over the city it had held since 2014.",
    "Aid agencies warned that the humanitarian cost of the battle was immense, with hundreds of thousands "
    "displaced and the old city largely destroyed by months of airstrikes and street fighting.",
]

ARABIC_PARAGRAPHS = [
    "أعلن رئيس الوزراء العراقي تحرير مدينة الموصل من سيطرة تنظيم الدولة الإسلامية بعد تسعة أشهر من المعارك "
    "الضارية في المدينة القديمة.",
    "وخرج المواطنون إلى الشوارع في بغداد والبصرة احتفالا بالنصر، بينما حذرت منظمات الإغاثة من الكلفة "
    "الإنسانية الكبيرة للمعركة.",
    "وقال المتحدث باسم الجيش إن القوات الأمنية تواصل تطهير الأحياء الغربية من بقايا المسلحين والعبوات الناسفة.",
]

BOILERPLATE = ["Please enter your comment!", "Please enter your name here", "Follow us on Twitter",
               "Share on Facebook", "You have entered an incorrect email address!", "Home", "Sport"]


def news_page(title: str, paragraphs: list[str], canonical: str, author: str = "Jane Reporter",
              published: str = "2017-07-10T14:00:00+00:00", lang: str = "en") -> str:
    """A news-theme article: navigation, share bar, the article, a follow blurb and a comment form."""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)} | Daily News</title>
<link rel="canonical" href="{canonical}">
<meta name="author" content="{escape(author)}">
<meta property="article:published_time" content="{published}">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li>
</ul></nav></header>
<main><article class="post">
<h1 class="entry-title">{escape(title)}</h1>
<div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Tweet</a> <a href="#">Share on WhatsApp</a></div>
<div class="entry-content">
{body}
<p>Follow us on Twitter</p>
</div>
<div id="respond" class="comment-respond"><h3 class="comment-reply-title">LEAVE A REPLY</h3>
<form id="commentform"><p>Please enter your comment!</p><textarea name="comment"></textarea>
<p>Please enter your name here</p><input name="author">
<p>You have entered an incorrect email address!</p><p>Please enter your email address here</p>
<input type="submit" value="Post Comment"></form></div>
</article></main>
<footer><p>© 2017 Daily News. All rights reserved.</p></footer>
</body></html>"""


def arabic_page(charset_meta: bool = True) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in ARABIC_PARAGRAPHS)
    meta = '<meta charset="utf-8">' if charset_meta else ""
    return f"""<html lang="ar" dir="rtl"><head>{meta}<title>تحرير الموصل</title></head><body>
<nav>الرئيسية | أخبار | رياضة</nav><article><h1>تحرير الموصل</h1>
{body}
</article><div class="social">تابعونا على تويتر</div></body></html>"""


def rss_feed(items: list[dict], title: str = "Daily News: World", link: str = "https://news.example/") -> str:
    entries = "\n".join(
        f"""<item><title>{escape(i['title'])}</title><link>{escape(i['link'])}</link>
<guid isPermaLink="false">{escape(i['guid'])}</guid><pubDate>{i.get('date', 'Mon, 10 Jul 2017 14:00:00 GMT')}</pubDate>
<description>{escape(i['summary'])}</description>{
            f"<content:encoded><![CDATA[{i['content']}]]></content:encoded>" if 'content' in i else ''}</item>"""
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>{escape(title)}</title><link>{escape(link)}</link><description>World news</description>
<language>en-gb</language>
{entries}
</channel></rss>"""


def atom_feed(entries: list[dict], title: str = "Official statements") -> str:
    body = "\n".join(
        f"""<entry><title>{escape(e['title'])}</title><id>{escape(e['id'])}</id>
<link rel="alternate" href="{escape(e['link'])}"/><updated>{e.get('updated', '2017-07-10T15:00:00Z')}</updated>
<author><name>{escape(e.get('author', 'Press office'))}</name></author>
<content type="html">{escape(e['content'])}</content></entry>"""
        for e in entries
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar"><title>{escape(title)}</title>
<id>urn:statements</id><updated>2017-07-10T15:00:00Z</updated>
{body}
</feed>"""


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><description>&lol9;</description>
<guid>1</guid></item></channel></rss>"""
