#!/usr/bin/python3
"""make_encodings.py OUTDIR - a small province written in UTF-8 with Chinese text in every file.

Writes OUTDIR/regions.csv, persons.csv, stays.csv and cases.csv (UTF-8, no BOM) and
OUTDIR/expected.json: the UTF-8 bytes of the /rejects raw text of the lines made to be
rejected (line -> hex, the first 256 bytes), the IDs of the persons (for leak checks) and
the line of stays.csv that pads a duplicate past 256 bytes. The twins in GB18030 are made
from these files with the iconv command, so the test holds no code table.

Characters of every GB18030 form appear: ASCII, two-byte (湖南, €), four-byte in the BMP
(ß) and beyond it (𠮷). A rejected region name straddles the 256 bytes kept of a raw line;
a duplicate stay found only after the shuffles (its raw text fetched again) is over 600
bytes; a stay of 90000 UTF-8 bytes is only 60000 in GB18030 and must still be a line_long.
persons.csv holds 男 (GB18030 C4 D0, not UTF-8) beside 女 (C5 AE, also valid UTF-8): a
GB18030 file whose Chinese is only 女 would be valid UTF-8, and read as such under auto.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_bad_inputs import make_id, q  # noqa: E402


def main(out):
    os.makedirs(out, exist_ok=True)
    exp = {"raw": {}}
    regions = ["code,parent,level,name",
               "430000000000,,1,湖南省",
               "430100000000,430000000000,2,长沙市",
               "430102000000,430100000000,3,芙蓉区",
               "430102001000,430102000000,4,文艺路街道",
               "430102001001,430102001000,5,识字岭社区",
               "430102001002,430102001000,5," + q("东湖,西湖社区"),
               "430102001003,430102001000,5,𠮷野家社区",
               "430102001004,430102001000,5," + "长" * 100]  # a name of 300 bytes: `field`
    exp["raw"]["regions.csv:9"] = regions[8].encode()[:256].hex()
    A = make_id("430102", "19800115", 1)
    B = make_id("430102", "19850302", 2)
    C = make_id("430102", "19921120", 3)
    D = make_id("430102", "20000229", 4)
    exp["ids"] = [A, B, C, D, "13800000001", "13900000002"]
    persons = ["id_number,phone,household,region,birth_date,sex,sector,employer,vaccine_doses",
               f"{A},13800000001,1001,430102001001,1980-01-15,男,A,5001,2",
               f"{B},13900000002,1002,430102001002,1985-03-02,女,S0,,3",
               f"{C},,,430102001003,,,,,",
               f"{D},,2001,430102001001,2000-02-29,女,R0,7001,0"]
    d = "2021-08-0"
    cafe = "网吧001"
    stays = ["channel,subject,place,start,end,region,carriage,row",
             f"cafe,{A},{cafe},{d}1T10:00,{d}1T12:00,430102001001,,",
             f"cafe,{B},{cafe},{d}1T10:30,{d}1T11:30,430102001001,,",
             f"lodging,{C},{q('锦江之星(芙蓉店),203房')},{d}2T20:00,{d}3T08:00,430102001002,,",
             f"cafe,{D},ß€网吧,{d}4T09:00,{d}4T10:00,430102001003,,",
             f"lbs,13800000001,基站 芙蓉-0001,{d}5T08:00,{d}5T09:00,430102001001,,",
             f"cafe,{A},{cafe},2021-07-01T10:00,2021-07-01T11:00,430102001001,,",  # window
             f"cafe,{B},{q('长' * 30000)},{d}6T10:00,{d}6T11:00,430102001001,,"]   # line_long
    # The first stay again, written otherwise: a duplicate, found after the shuffles. Its
    # place begins at byte 251, so the 256 bytes kept end inside 吧; blanks after it make
    # the line longer than the bytes fetched of a GB18030 line (2 * 257 + 3).
    head = f"cafe , {A} ,"
    dup = head + " " * (250 - len(head)) + q(cafe) + " " * 600 + f",{d}1T10:00,{d}1T12:00,430102001001,,"
    assert dup.encode()[250:251] == b'"' and len(dup.encode()) > 600
    stays.append(dup)
    exp["dup_line"] = len(stays)
    exp["raw"][f"stays.csv:{len(stays)}"] = dup.encode()[:256].hex()
    exp["raw"]["stays.csv:8"] = stays[7].encode()[:256].hex()
    cases = ["subject,onset,isolated,last_negative,note",
             f"{A},{d}2T00:00,{d}5T00:00,,网吧 密接排查"]
    for name, lines in (("regions", regions), ("persons", persons), ("stays", stays),
                        ("cases", cases)):
        with open(os.path.join(out, name + ".csv"), "wb") as f:
            f.write(("\n".join(lines) + "\n").encode())
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(exp, f)


if __name__ == "__main__":
    main(sys.argv[1])
