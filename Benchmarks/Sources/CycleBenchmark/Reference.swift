/// The plain reference cycle (Python ElementTree + sqlite3), written next to the feeds and run
/// as a child process so its CPU and peak memory are measured the same way as feedwatch's.
let referenceScript = #"""
#!/usr/bin/env python3
"""The plain reference for CycleBenchmark: parse every feed file with ElementTree and store each
item in SQLite (WAL, one transaction per feed, unique (feed, guid)). Usage: reference.py DIR DB"""
import os
import sqlite3
import sys
import xml.etree.ElementTree as ET

directory, database = sys.argv[1], sys.argv[2]
db = sqlite3.connect(database, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE IF NOT EXISTS articles (id INTEGER PRIMARY KEY, feed TEXT NOT NULL, guid TEXT NOT NULL,"
           " title TEXT, link TEXT, description TEXT, UNIQUE (feed, guid))")
new = 0
for name in sorted(os.listdir(directory)):
    root = ET.parse(os.path.join(directory, name)).getroot()
    db.execute("BEGIN")
    for item in root.iter("item"):
        cursor = db.execute(
            "INSERT OR IGNORE INTO articles (feed, guid, title, link, description) VALUES (?, ?, ?, ?, ?)",
            (name, item.findtext("guid"), item.findtext("title"), item.findtext("link"), item.findtext("description")))
        new += cursor.rowcount
    db.execute("COMMIT")
print(f"reference: {new} new items")
"""#
