#!/usr/bin/env python3
"""Writes the parser's hostile documents (issue 16) as files.

    scripts/hostile-documents.py seeds DIR   # scaled to the fuzz target's limits, < 64 KiB each
    scripts/hostile-documents.py full DIR    # full size, to time `feedwatch parse FILE`

The shapes are those of Tests/FeedWatchParsingTests/HostileDocuments.swift: each makes
Debian 12's libxml2 (2.9.14) do quadratic or unbounded work unless the parser bounds it.
"""
import os
import sys

HEAD = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>x</title>'
TAIL = '</item></channel></rss>'


def feed(body):
    return HEAD + body + TAIL


def with_doctype(declarations):
    return '<?xml version="1.0"?><!DOCTYPE rss [' + declarations + ']>' + HEAD[21:] + TAIL


def documents(scale):
    """name -> text; `scale` 1 is full size."""
    def n(full):
        return max(1, full // scale)
    laughs = '<!DOCTYPE rss [<!ENTITY lol0 "lol">' + ''.join(
        '<!ENTITY lol%d "%s">' % (level, ('&lol%d;' % (level - 1)) * 10) for level in range(1, 10)) + ']>'
    return {
        'distinct-names': feed(''.join('<averyveryverylongsharedelementnameprefix_%07d/>' % i
                                       for i in range(n(200_000)))),
        'undeclared-prefixes': feed(''.join('<p%d:x/>' % i for i in range(n(50_000)))),
        'processing-instructions': feed(''.join('<?p%d x?>' % i for i in range(n(50_000)))),
        'declared-entities': with_doctype(''.join('<!ENTITY e%d "v">' % i for i in range(n(50_000)))),
        'attributes': feed('<x' + ''.join(' a%d="1"' % i for i in range(n(300_000))) + '/>'),
        'attributes-quoted-gt': feed('<x' + ''.join(' a%d="a>b"' % i for i in range(n(300_000))) + '/>'),
        'attribute-defaults': with_doctype(''.join('<!ATTLIST item a%d CDATA "d">' % i
                                                   for i in range(n(100_000)))),
        'namespaces-on-root': '<rss version="2.0"' + ''.join(' xmlns:p%d="urn:x:%d"' % (i, i)
                                                              for i in range(n(100_000)))
                              + '><channel><title>t</title><item><title>x</title></item></channel></rss>',
        'namespaces-nested': feed(''.join('<n' + ''.join(' xmlns:p%d_%d="urn:x:%d:%d"' % (l, i, l, i)
                                                         for i in range(max(4, 100 // scale))) + '>'
                                          for l in range(max(20, 200 // scale))) + '</n>' * max(20, 200 // scale)),
        'nesting-at-limit': '<rss><channel><item><title>deep</title>' + '<a>' * 253 + '</a>' * 253
                            + '</item></channel></rss>',
        'nesting-past-limit': '<rss><channel><item><title>deep</title>' + '<a>' * n(100_000) + '</a>' * n(100_000)
                              + '</item></channel></rss>',
        'text-node': HEAD + '<description>' + 'a' * n(16 * 1024 * 1024) + '</description>' + TAIL,
        'billion-laughs': '<?xml version="1.0"?>' + laughs
                          + '<rss><channel><item><title>&lol9;</title></item></channel></rss>',
        'external-entity': '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                           '<rss><channel><item><title>x&xxe;y</title><description>&xxe;</description>'
                           '</item></channel></rss>',
    }


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('seeds', 'full'):
        sys.exit(__doc__)
    target = sys.argv[2]
    os.makedirs(target, exist_ok=True)
    # Seeds: scaled so each stays under libFuzzer's -max_len=65536 yet crosses the fuzz
    # target's own small limits (ParserFuzzEntry.swift).
    if sys.argv[1] == 'full':
        docs = documents(1)
    else:
        docs = {}
        for divisor in (100, 300, 1000, 3000, 10000, 300000):
            for name, text in documents(divisor).items():
                if name not in docs and len(text) <= 65536:
                    docs[name] = text
    for name, text in sorted(docs.items()):
        with open(os.path.join(target, name + '.xml'), 'w') as out:
            out.write(text)
        print('%-28s %10d bytes' % (name, len(text)))


if __name__ == '__main__':
    main()
