#!/usr/bin/python3
"""make_bad_inputs.py OUTDIR - ingest's CSV inputs with every kind of bad row, and what ingest must make of them.

Writes OUTDIR/regions.csv, persons.csv, stays-police.csv, stays-telecom.csv (a small
hand-built province: 1 province, 2 cities, counties, townships, communities) and
OUTDIR/expected.json: for each file the (line, code) of every row ingest must reject, the
row count, and every person (registered and visitor) and stay it must keep. All of it is
known here from what was written, never from running paicha.

The files exercise the CSV form as well: a BOM (regions.csv), CRLF line ends
(persons.csv), empty lines, a quoted field with a comma, "" escapes, blanks around fields,
a header in another column order and case (stays-telecom.csv) and a missing final newline
(stays-telecom.csv). The window is [2021-07-26T00:00, 2021-08-09T00:00] (as_of
2021-08-09T00:00, days 14).
"""
import json
import os
import sys

AS_OF = "2021-08-09T00:00"
DAYS = 14
MAX_LINE = 65536
CODES = ["ok", "line_long", "encoding", "quote", "fields", "id_format", "id_check", "id_birth",
         "birth_mismatch", "sex_mismatch", "phone", "region", "channel", "time", "order",
         "window", "seat", "field", "duplicate", "conflict"]

# ---- GB 11643 ----
_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_C = "10X98765432"


def check_char(s17):
    return _C[sum(int(a) * w for a, w in zip(s17, _W)) % 11]


def make_id(area, ymd, seq):
    s = f"{area}{ymd}{seq:03d}"
    assert len(s) == 17
    return s + check_char(s)


def wrong_check(idn):
    """The same 17 digits with another check character."""
    c = _C[(_C.index(idn[17]) + 1) % 11]
    return idn[:17] + c


def id_ending_x(area, ymd, seq0):
    seq = seq0
    while check_char(f"{area}{ymd}{seq:03d}") != "X":
        seq += 2  # same sex
    return make_id(area, ymd, seq)


def sex_of(idn):
    return 1 if int(idn[16]) % 2 else 2


def birth_of(idn):
    return int(idn[6:14])


def split(line):
    """Fields of a line as ingest splits it (RFC 4180 without newlines in quotes, unquoted fields
    trimmed of blanks), or None on bad quoting. Used to check this generator's own rows."""
    out, i, n = [], 0, len(line)
    while True:
        j = i
        while j < n and line[j] in " \t":
            j += 1
        if j < n and line[j] == '"':
            v, j = "", j + 1
            while True:
                if j >= n:
                    return None
                if line[j] == '"':
                    if j + 1 < n and line[j + 1] == '"':
                        j += 1
                    else:
                        break
                v += line[j]
                j += 1
            j += 1
            while j < n and line[j] in " \t":
                j += 1
            if j < n and line[j] != ",":
                return None
        else:
            e = line.find(",", j)
            e = n if e < 0 else e
            if '"' in line[j:e]:
                return None
            v, j = line[j:e].rstrip(" \t"), e
        out.append(v)
        if j >= n:
            return out
        i = j + 1


class Csv:
    """One input file as a list of lines (bytes, no line end) with what ingest must do with each."""

    def __init__(self, name, index, header, eol=b"\n", bom=False, final_newline=True, order=None):
        self.name, self.index, self.eol, self.bom, self.final_newline = name, index, eol, bom, final_newline
        self.order = order  # file column of each contract column (None: contract order)
        self.lines = [header.encode()]
        self.rejects = []  # (line, code)
        self.rows = 0
        self.clipped = self.seat_unknown = 0  # stays kept clipped to the window / seat unknown

    def line(self, text, code=None):
        """Append a data line (str or bytes, written as given); code: the expected reject, None = kept.
        Returns its 1-based line number."""
        b = text.encode() if isinstance(text, str) else text
        assert b"\n" not in b and not b.endswith(b"\r")
        self.lines.append(b)
        n = len(self.lines)
        if b:
            self.rows += 1
        else:
            assert code is None
        if code is not None:
            assert code in CODES, code
            self.rejects.append((n, code))
        return n

    def row(self, cells, code=None):
        """A row of the contract's columns (list of str), permuted to the file's column order."""
        if self.order is not None:
            out = [""] * len(cells)
            for k, j in enumerate(self.order):
                out[j] = cells[k]
            cells = out
        return self.line(",".join(cells), code)

    def empty(self):
        self.line(b"")

    def check(self):
        """The generator's own rows have the form their expected reason says."""
        ncols = len(split(self.lines[0].decode()))
        codes = dict(self.rejects)
        for n, b in enumerate(self.lines[1:], 2):
            code = codes.get(n)
            if not b or code in ("line_long", "encoding"):
                continue
            f = split(b.decode())
            if code == "quote":
                assert f is None, (self.name, n)
            elif code == "fields":
                assert f is not None and len(f) != ncols, (self.name, n)
            else:
                assert f is not None and len(f) == ncols, (self.name, n, f)

    def write(self, outdir):
        self.check()
        data = (b"\xEF\xBB\xBF" if self.bom else b"") + self.eol.join(self.lines)
        if self.final_newline:
            data += self.eol
        with open(os.path.join(outdir, self.name), "wb") as f:
            f.write(data)


def q(s):
    """A quoted CSV field."""
    return '"' + s.replace('"', '""') + '"'


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    persons, stays, dup_pairs = {}, [], []  # persons: ID -> record (registered, kept)

    # ---------------- regions.csv (file 0): BOM, LF, empty lines ----------------
    R = Csv("regions.csv", 0, "code,parent,level,name", bom=True)
    kept_regions = {}

    def region(code, parent, level, name, text=None, bad=None):
        n = R.line(text if text is not None else f"{code},{parent},{level},{name}", bad)
        if bad is None:
            kept_regions[code] = (n, name)
        return n

    region("430000000000", "", "1", "湖南省")
    region("430100000000", "430000000000", "2", "长沙市")
    region("430200000000", "430000000000", "city", "株洲市")
    region("430102000000", "430100000000", "3", "芙蓉区")
    R.empty()
    region("430202000000", "430200000000", "county", "荷塘区")
    region("430102001000", "430102000000", "4", "文艺路街道")
    region("430202001000", "430202000000", "township", "月塘街道")
    l_ssl = region("430102001001", "430102001000", "5", "识字岭社区")
    region("430102001002", "430102001000", "community", "东湖,西湖社区",
           text="430102001002,430102001000,community," + q("东湖,西湖社区"))
    region("430202001001", "430202001000", "5", "新华社区",
           text=' "430202001001" , 430202001000 ,5,\t新华社区 ')
    region("430202001002", "430202001000", "community", "建设社区")
    region("430202002000", "430202000000", "4", "宋家桥街道")
    R.line("430102001003,430102001000,5", "fields")
    R.line("43010200100,430102001000,5,短码社区", "region")         # an 11-digit code
    R.line("430102001004,430102001000,4,错级社区", "field")          # level 4, code of level 5
    R.line("430102002001,430102002000,5,孤儿社区", "region")         # parent not in the file
    R.line("440000000000,430000000000,1,广东省", "region")           # a province with a parent
    l_dup = R.line("430102001001,430102001000,5,识字岭社区", "duplicate")
    dup_pairs.append([[0, l_ssl], [0, l_dup]])
    R.line("430202001001,430202001000,5,新华村", "conflict")          # code of line 12, another name
    R.line("430203000000,430200000000,4,石峰区", "field")            # level 4, code of level 3
    R.line("430203001000,430203000000,4,响石岭街道", "region")        # parent rejected just above
    R.line("430202001005,430202001000,5," + "长" * 22, "field")      # name of 66 bytes
    R.line("430202001006,430202001000,6,六级", "field")              # no level 6
    R.line('430102001007,430102001000,5,"未闭合', "quote")
    R.line("430102001008,430102001000,5,坏".encode() + b"\xff" + "字".encode(), "encoding")
    R.line('430102001009,430102001000,5,"a"b', "quote")               # text after the closing quote
    R.empty()  # a final empty line before the final newline
    # 13 rejects other than the duplicate in 26 rows: exactly 0.5 (not over max_reject_ratio 0.5)
    assert sum(1 for _, c in R.rejects if c != "duplicate") * 2 == R.rows
    known = set(kept_regions)
    assert len(known) == 12

    # ---------------- persons.csv (file 1): CRLF ----------------
    P = Csv("persons.csv", 1, "id_number,phone,household,region,birth_date,sex,sector,employer,vaccine_doses",
            eol=b"\r\n")

    def person(idn, phone="", household="", reg="430102001001", birth="", sex="", sector="",
               employer="", doses="", code=None, text=None, cells=None):
        c = cells or [idn, phone, household, reg, birth, sex, sector, employer, doses]
        n = P.line(text if text is not None else ",".join(c), code)
        if code is None:
            assert idn not in persons
            persons[idn] = dict(subject=idn, phone=phone, household=household.strip(),
                                region=int(reg), birth_date=birth_of(idn), sex=sex_of(idn),
                                sector=sector, employer=employer.strip(), doses=int(doses or 0),
                                flags=0, line=n)
        return n

    A = make_id("430102", "19800115", 1)
    B = make_id("430102", "19850302", 2)
    C = make_id("430202", "19921120", 3)
    D = make_id("430202", "20000229", 4)
    E = id_ending_x("430102", "19881010", 5)
    F = make_id("430102", "19700101", 7)
    G = make_id("430102", "20210808", 9)      # born the day before as_of
    H = make_id("430202", "19600606", 11)
    I = make_id("430202", "19610707", 13)
    J = make_id("430102", "19750505", 15)
    K = make_id("430102", "19760606", 17)
    L = make_id("430102", "19770707", 19)
    M = make_id("430102", "19780808", 21)
    N = make_id("430102", "19790909", 23)
    O = make_id("430102", "19810101", 25)
    Q = make_id("430202", "19820202", 26)
    X1 = make_id("430102", "19900101", 31)  # in bad rows only
    assert E.endswith("X")

    # Households and employers as agencies write them: opaque strings, `00012` is not `12`.
    person(A, "13800000001", "H00012", "430102001001", "1980-01-15", "M", "A", "91430100MA4L16JQ8B", "2")
    person(B, "13900000002", "00012", "430102001002", "19850302", "女", "S0", "", "3")
    P.empty()
    person(C, "", "", "430202001001")                       # birth date and sex from the ID
    person(D, "15000000004", "2001", "430202000000", "2000-02-29", "2", "R0", "7001", "0")  # a county
    person(E, "18600000005", "12", "430102001001", "", "1", "U0", "户口-甲", "20")
    pad = MAX_LINE - len(f"{F},13700000006,1004,430102001002,1970-01-01,M,C,5002,1")
    person(F, "13700000006", " " * pad + "1004", "430102001002", "1970-01-01", "M", "C", "5002", "1")
    assert len(P.lines[-1]) == MAX_LINE  # exactly the longest line read (the CR not counted)
    person(G, "", "1005", "430102001001", "20210808", "F" if sex_of(G) == 2 else "M")
    person(H, "13500000008", "2002", "430202001001")
    P.line(f"{I},13500000008,2003,430202001001,,,,,", "conflict")       # H's phone (H's row is earlier)
    # The same row again: it claims H's phone too. (Not a `duplicate`: no copy of it is kept.)
    P.line(f"{I},13500000008,2003,430202001001,,,,,", "conflict")
    person(make_id("430202", "20210809", 27), "", "2004", "430202001001")  # born on as_of's date
    person(J, "13300000009", "1006", "430102001001", "", "", "T", "", "1")
    l_j2 = P.line(f"{J},13300000009,1006,430102001001,,,T,,1", "duplicate")  # identical row
    dup_pairs.append([[1, l_j2 - 2], [1, l_j2]])
    P.line(f"{A},13800000001,1001,430102001001,1980-01-15,M,A,5001", "fields")
    P.line(f"{wrong_check(A)},13800000001,1001,430102001001,,,,,,", "fields")  # fields before id_check
    P.line(f"{A[:17]},,,430102001001,,,,,", "id_format")
    # Document numbers are case-insensitive (SPEC): a lowercase x is the X, kept as X.
    EX = id_ending_x("430102", "19890101", 81)
    person(EX.lower(), "", "1009", "430102001001")
    persons[EX.lower()]["subject"] = EX
    P.line(f"{X1},12800000000,,430102001009,,,,,", "phone")               # phone before region
    P.line(f"{wrong_check(X1)},12800000000,,430102001001,,,,,", "id_check")  # id_check before phone
    P.line(f"{make_id('430102', '19900230', 33)},,,430102001001,,,,,", "id_birth")  # Feb 30
    P.line(f"{make_id('430102', '20210810', 35)},,,430102001001,,,,,", "id_birth")  # after as_of
    P.line(f"{make_id('430102', '18790101', 37)},,,430102001001,,,,,", "id_birth")  # before 1880
    P.line(f"{make_id('430102', '19910301', 39)},,,430102001001,1991-03-02,,,,", "birth_mismatch")
    P.line(f"{make_id('430102', '19910302', 41)},,,430102001001,1991/03/02,,,,", "field")
    P.line(f"{make_id('430102', '19910303', 43)},,,430102001001,,F,,,", "sex_mismatch")
    P.line(f"{make_id('430102', '19910304', 44)},,,430102001001,,男,,,", "sex_mismatch")
    P.line(f"{make_id('430102', '19910305', 45)},,,430102001001,,X,,,", "field")
    P.line(f"{make_id('430102', '19910306', 47)},1380000000,,430102001001,,,,,", "phone")
    P.line(f"{make_id('430102', '19910307', 49)},12a,,430102001001,,,,,", "phone")
    P.line(f"{make_id('430102', '19910308', 51)},,{'H' * 65},430102001001,,,,,", "field")  # 65 bytes
    P.line(f"{M},13100000013,1007,430102001009,,,,,", "region")   # unknown region
    P.line(f"{make_id('430102', '19910309', 53)},,,430102001004,,,,,", "region")  # rejected region
    P.line(f"{make_id('430102', '19910310', 55)},,,430102001001,,,Z,,", "field")
    P.line(f"{make_id('430102', '19910311', 57)},,,430102001001,,,s0,,", "field")
    P.line(f"{make_id('430102', '19910312', 59)},,,430102001001,,,,{'单' * 22},", "field")  # 66 bytes
    P.line(f"{make_id('430102', '19910313', 61)},,,430102001001,,,,,21", "field")
    P.line(f"{make_id('430102', '19910314', 63)},,,430102001001,,,,,".encode() + b"\xff\xfe", "encoding")
    P.line(f"{make_id('430102', '19910315', 65)},,1\x001,430102001001,,,,,".encode(), "encoding")  # NUL
    P.line(f"{make_id('430102', '19910316', 67)},,,430102001001,,,,,".encode() + b"\xc0\xaf", "encoding")
    P.line(f"{make_id('430102', '19910317', 69)},,\x01,430102001001,,,,,", "encoding")  # control byte
    P.line(f'{make_id("430102", "19910318", 71)},,"1,430102001001,,,,,', "quote")
    P.line(f'{make_id("430102", "19910319", 73)},,1"2,430102001001,,,,,', "quote")
    line = f"{make_id('430102', '19910320', 75)},,,430102001001,,,,,"
    P.line(line + " " * (MAX_LINE + 1 - len(line)), "line_long")  # one byte too long, blanks
    assert len(P.lines[-1]) == MAX_LINE + 1
    P.line(f"{make_id('430102', '19910321', 77)},,{'9' * 70000},430102001001,,,,,", "line_long")
    person(M, "13100000013", "1007", "430102001001")     # M's first row was rejected: this one is kept
    l_k = person(K, "13100000012", "1008", "430102001001", "", "", "B", "", "1")
    line = f"{K} , 13100000012,1008,430102001001,1976-06-06,1,B,,1"
    line = line.replace(" , ", " " * (256 - len(line) + 2) + ",")
    assert len(line) == 256
    P.line(line, "duplicate")  # the same attributes written otherwise, exactly 256 bytes
    dup_pairs.append([[1, l_k], [1, len(P.lines)]])
    # SPEC: a later row of a person conflicts only on birth date, sex or region; any other
    # difference (household, phone, ...) is a duplicate and the first row stands.
    l_l = person(L, "13100000014", "3001", "430102001001")
    l = P.line(f"{L},13100000014,3002,430102001001,,,,,", "duplicate")   # another household
    dup_pairs.append([[1, l_l], [1, l]])
    line = f"{L},13100000014,3003,430102001001,,,,," + " " * 300
    l = P.line(line, "duplicate")                                     # 340 bytes: truncated raw
    dup_pairs.append([[1, l_l], [1, l]])
    P.line(f"{L},13100000014,3001,430102001002,,,,,", "conflict")   # another region
    l_n = person(N, "13600000010", "4001", "430102001002")
    l = P.line(f"{N},13600000011,4001,430102001002,,,,,", "duplicate")  # another phone: not taken
    dup_pairs.append([[1, l_n], [1, l]])
    person(O, "13600000011", "4002", "430102001002")                # so this phone is O's
    person(Q, "", "4003", "430202001001", cells=[q(Q), '', ' 4003 ', q("430202001001"), '', '',
                                                   q("P"), '', ''])
    persons[Q]["sector"] = "P"
    P.line(f"{make_id('430102', '19910322', 79)},13500000008,,430102001001,,,,,", "conflict")  # H's phone
    P.empty()

    # ---------------- stays: police (file 2, LF), telecom (file 3) ----------------
    S2 = Csv("stays-police.csv", 2, "channel,subject,place,start,end,region,carriage,row")
    # telecom: the columns in another order and case; no final newline
    tel_cols = ["channel", "subject", "place", "start", "end", "region", "carriage", "row"]
    tel_hdr = ["SUBJECT", "Channel", "place", "Start", "END", "region", "Row", "carriage"]
    S3 = Csv("stays-telecom.csv", 3, ",".join(tel_hdr), final_newline=False,
             order=[[h.lower() for h in tel_hdr].index(c) for c in tel_cols])
    V1 = make_id("430103", "19950505", 81)   # an unregistered ID number: a visitor
    VP = "15000000099"                       # an unregistered phone: a visitor
    assert V1 not in persons
    phones = {p["phone"]: i for i, p in persons.items() if p["phone"]}
    visitors = {}

    def stay(S, channel, subject, place, start, end, reg, carriage="", row="", code=None, cells=None,
             clip=None):
        """clip: (start, end) the stay is kept as, clipped to the window (SPEC)."""
        c = cells or [channel, subject, place, start, end, reg, carriage, row]
        n = S.row(c, code)
        if code is None:
            if clip:
                start, end = clip
                S.clipped += 1
            if (channel == "flight" and not row) or (channel == "rail" and not carriage):
                S.seat_unknown += 1
            if channel in ("lbs", "grid"):
                if subject in phones:
                    who = {"id": phones[subject]}
                else:
                    who = {"phone": subject}
                    visitors.setdefault(("phone", subject), dict(
                        subject=subject, phone=subject, household="", region=0, birth_date=0, sex=0,
                        sector="", employer="", doses=0, flags=1))
            else:
                who = {"id": subject}
                if subject not in persons:
                    visitors.setdefault(("id", subject), dict(
                        subject=subject, phone="", household="", region=0, birth_date=birth_of(subject),
                        sex=sex_of(subject), sector="", employer="", doses=0, flags=1))
            stays.append(dict(who=who, channel=channel, place=place, start=norm(start), end=norm(end),
                              region=int(reg), carriage=int(carriage or 0), row=int(row or 0),
                              file=S.index, line=n))
        return n

    def norm(t):
        return t.strip() + (":00" if len(t.strip()) == 16 else "")

    d = "2021-08-0"
    cafe, hotel = "网吧001", '锦江之星(芙蓉店),203房'
    stay(S2, "cafe", A, cafe, d + "1T10:00", d + "1T12:00", "430102001001")
    l_hotel = stay(S2, "lodging", B, hotel, d + "2T20:00", d + "3T08:00:00", "430102001002",
                   cells=["lodging", B, q(hotel), d + "2T20:00", d + "3T08:00:00", "430102001002", "", ""])
    stay(S2, "flight", C, "CZ3101 2021-08-04", d + "4T08:00", d + "4T10:30", "430202001001", "", "12")
    stay(S2, "rail", D, "G1001 2021-08-05", d + "5T09:00", d + "5T13:00", "430202001001", "3", "7")
    stay(S2, "rail", E, "G1001 2021-08-05", d + "5T09:00", d + "5T13:00", "430202001001", "5", "")
    stay(S2, "cafe", A, cafe, "2021-07-26T00:00", "2021-07-26T01:00", "430102001001")   # at the start
    stay(S2, "cafe", B, cafe, d + "8T23:00", "2021-08-09T00:00", "430102001001")        # at the end
    stay(S2, "lodging", F, "如家(荷塘店)", "2021-07-26T00:00", "2021-08-09T00:00:00", "430202001001")
    S2.empty()
    stay(S2, "cafe", V1, "网吧002", d + "6T18:00", d + "6T23:00", "430202001001")      # visitor
    stay(S2, "cafe", V1, "网吧002", d + "7T18:00", d + "7T23:00", "430202001001")      # visitor again
    stay(S2, "lodging", I, "如家(荷塘店)", d + "3T21:00", d + "4T07:00", "430202001001")  # dropped -> visitor
    l_grid = stay(S2, "grid", "13800000001", "GRID-4301-0001", d + "3T10:00", d + "3T11:00", "430102001001")
    l_cafe = stay(S2, "cafe", A, cafe, d + "6T10:00", d + "6T11:00", "430102001001")
    stay(S2, "cafe", G, '网吧"星空"', d + "7T10:00:30", d + "7T12:00", "430102001001",
         cells=["cafe", G, q('网吧"星空"'), d + "7T10:00:30", d + "7T12:00", "430102001001", "", ""])
    stay(S2, "rail", M, "K9 2021-08-02", d + "2T09:00", d + "2T13:00", "430202001001", "255", "32767")
    stay(S2, "lodging", K, "如家(荷塘店)", d + "3T21:00", d + "4T07:00", "430202001001")
    S2.line(f"cafe,{A},{cafe},{d}1T10:00,{d}1T12:00,430102001001,,,", "fields")
    S2.line(f"household,{A},1001,{d}1T10:00,{d}1T12:00,430102001001,,", "channel")
    S2.line(f"bus,{A},B1,{d}1T10:00,{d}1T12:00,430102001001,,", "channel")
    S2.line(f",{A},B1,{d}1T10:00,{d}1T12:00,430102001001,,", "channel")
    S2.line(f"cafe,13800000001,{cafe},{d}1T10:00,{d}1T12:00,430102001001,,", "id_format")
    S2.line(f"cafe,{wrong_check(A)},{cafe},{d}1T10:00,{d}1T12:00,430102001009,,", "id_check")
    S2.line(f"cafe,{make_id('430102', '19900230', 83)},{cafe},{d}1T10:00,{d}1T12:00,430102001001,,", "id_birth")
    S2.line(f"cafe,{A},,{d}1T10:00,{d}1T12:00,430102001001,,", "field")
    S2.line(f"cafe,{A},{cafe},{d}1T25:00,{d}1T26:00,430102001001,,", "time")
    S2.line(f"cafe,{A},{cafe},{d}1T1000,{d}1T12:00,430102001001,,", "time")
    S2.line(f"cafe,{A},{cafe},{d}1T10:00,2021-02-30T10:00,430102001001,,", "time")
    S2.line(f"cafe,{A},{cafe},,{d}1T12:00,430102001001,,", "time")
    # The contract's times are YYYY-MM-DDTHH:MM[:SS]: neither a date alone nor a blank for the T.
    S2.line(f"cafe,{A},{cafe},{d}1,{d}2,430102001001,,", "time")
    S2.line(f"cafe,{A},{cafe},{d}1 10:00,{d}1 12:00,430102001001,,", "time")
    S2.line(f"cafe,{A},{cafe},{d}1T10:00,{d}1T09:59,430102001001,,", "order")
    S2.line(f"cafe,{A},{cafe},{d}1T10:00,{d}1T10:00:00,430102001001,,", "order")
    S2.line(f"cafe,{A},{cafe},{d}1T10:00,{d}1T09:00,430102001009,,", "order")  # order before region
    # Across an edge of the window: clipped and kept (SPEC); wholly outside (touching an edge
    # included): a window reject.
    stay(S2, "cafe", A, cafe, "2021-07-25T23:59", "2021-07-26T01:30", "430102001001",
         clip=("2021-07-26T00:00", "2021-07-26T01:30"))
    stay(S2, "cafe", A, cafe, d + "8T23:00", "2021-08-09T00:01", "430102001001",
         clip=(d + "8T23:00", "2021-08-09T00:00"))
    stay(S2, "lodging", C, "如家(荷塘店)", "2021-07-01T12:00", "2021-08-20T12:00", "430202001001",
         clip=("2021-07-26T00:00", "2021-08-09T00:00"))
    S2.line(f"cafe,{A},{cafe},2021-08-09T00:00,2021-08-09T01:00,430102001009,,", "window")
    S2.line(f"cafe,{A},{cafe},2021-07-25T22:00,2021-07-26T00:00,430102001001,,", "window")
    S2.line(f"cafe,{A},{cafe},2021-07-20T22:00,2021-07-21T00:00,430102001001,,", "window")
    S2.line(f"cafe,{A},{cafe},{d}1T10:00,{d}1T12:00,430102001009,,", "region")
    S2.line(f"cafe,{A},{cafe},{d}1T10:00,{d}1T12:00,430102002001,,", "region")  # rejected region
    # Without a seat: kept, the row (flight) or carriage (rail) unknown (SPEC).
    stay(S2, "flight", B, "CZ3101 2021-08-04", d + "4T08:00", d + "4T10:30", "430202001001", "", "")
    stay(S2, "flight", H, "CZ3101 2021-08-04", d + "4T08:00", d + "4T10:30", "430202001001", "3", "")
    stay(S2, "rail", J, "G1001 2021-08-05", d + "5T09:00", d + "5T13:00", "430202001001", "", "7")
    S2.line(f"rail,{D},G1001 2021-08-05,{d}5T09:00,{d}5T13:00,430202001001,0,7", "seat")
    S2.line(f"rail,{D},G1001 2021-08-05,{d}5T09:00,{d}5T13:00,430202001001,256,7", "seat")
    S2.line(f"rail,{D},G1001 2021-08-05,{d}5T09:00,{d}5T13:00,430202001001,3,40000", "seat")
    S2.line(f"cafe,{A},网吧".encode() + b"\xe5\x90" + f",{d}1T10:00,{d}1T12:00,430102001001,,".encode(),
            "encoding")  # a cut UTF-8 character
    S2.line(f'cafe,{A},"{cafe}"x,{d}1T10:00,{d}1T12:00,430102001001,,', "quote")
    l = S2.line(f"cafe,{A},{cafe},{d}6T10:00,{d}6T11:00,430102001001,,", "duplicate")  # identical
    dup_pairs.append([[2, l_cafe], [2, l]])
    l = S2.line(f'lodging , {B} ,"{hotel}",{d}2T20:00:00, {d}3T08:00 ,430102001002,,', "duplicate")
    dup_pairs.append([[2, l_hotel], [2, l]])  # the same stay written otherwise

    stay(S3, "lbs", "13800000001", "LAC4301-CI0017", d + "1T09:00", d + "1T09:45", "430102001001")
    stay(S3, "grid", "13900000002", "GRID-4301-0002", d + "2T08:00", d + "2T08:30", "430102001002")
    l_vp = stay(S3, "lbs", VP, "LAC4302-CI0001", d + "3T12:00", d + "3T13:00", "430202001001")  # visitor
    S3.empty()
    S3.empty()
    stay(S3, "lbs", VP, "LAC4302-CI0001", d + "4T12:00", d + "4T13:00", "430202001001")  # the same visitor
    stay(S3, "lbs", "13500000008", "LAC4302-CI0002", d + "4T12:00", d + "4T13:00", "430202001001")  # H's
    stay(S3, "lbs", "13600000011", "LAC4301-CI0018", d + "4T12:00", d + "4T13:00", "430102001002")  # O's
    stay(S3, "grid", "18600000005", "GRID-4301-0001", d + "3T10:00", d + "3T11:00", "430102001001")
    l = S3.row(["grid", "13800000001", "GRID-4301-0001", d + "3T10:00:00", d + "3T11:00", "430102001001",
                "", ""], "duplicate")  # the police file's grid stay again
    dup_pairs.append([[2, l_grid], [3, l]])
    S3.row(["lbs", A, "LAC4301-CI0017", d + "1T09:00", d + "1T09:45", "430102001001", "", ""], "phone")
    S3.row(["grid", "12345", "GRID-4301-0002", d + "2T08:00", d + "2T08:30", "430102001002", "", ""], "phone")
    S3.row(["lbs", "12800000000", "LAC4301-CI0017", d + "1T09:00", d + "1T09:45", "430102001001", "", ""],
           "phone")
    S3.row(["household", "13800000001", "1001", d + "1T09:00", d + "1T09:45", "430102001001", "", ""], "channel")
    S3.line(b"13800000001,lbs,LAC4301\x00CI0017,2021-08-01T09:00,2021-08-01T09:45,430102001001,,", "encoding")
    S3.line(b"13800000001,lbs,LAC4301\x1bCI0017,2021-08-01T09:00,2021-08-01T09:45,430102001001,,", "encoding")
    S3.line(b"13800000001,lbs,LAC4301\rCI0017,2021-08-01T09:00,2021-08-01T09:45,430102001001,,", "encoding")
    S3.line("13800000001,lbs,LAC4301-CI0017,2021-08-01T09:00,2021-08-01T09:45,430102001001,", "fields")
    S3.empty()
    l = S3.row(["lbs", VP, "LAC4302-CI0001", d + "3T12:00", d + "3T13:00", "430202001001", "", ""], "duplicate")
    dup_pairs.append([[3, l_vp], [3, l]])  # the last line, without a final newline

    files = [R, P, S2, S3]
    for f in files:
        f.write(outdir)

    # Every kept person: registered (the kept rows) and visitors.
    allp = [dict(p) for p in persons.values()] + list(visitors.values())
    for p in allp:
        p.pop("line", None)
        p["pid_of"] = {"phone": p["subject"]} if p["flags"] and len(p["subject"]) == 11 else {"id": p["subject"]}
    exp = {
        "as_of": AS_OF, "days": DAYS,
        "files": [{"index": f.index, "name": f.name, "rows": f.rows, "lines": len(f.lines),
                   "clipped": f.clipped, "seat_unknown": f.seat_unknown,
                   "rejects": f.rejects} for f in files],
        "regions": sorted(int(c) for c in known),
        "region_names": {c: v[1] for c, v in kept_regions.items()},
        "persons": allp,
        "stays": stays,
        "dup_pairs": dup_pairs,
        "counts": {"registered": len(persons), "visitors": len(visitors), "persons": len(allp),
                   "stays": len(stays)},
    }
    with open(os.path.join(outdir, "expected.json"), "w") as f:
        json.dump(exp, f, ensure_ascii=False, indent=1)
    print(f"wrote {outdir}: " + ", ".join(f"{f.name} {f.rows} rows {len(f.rejects)} rejects" for f in files)
          + f"; expect {len(persons)} registered + {len(visitors)} visitors, {len(stays)} stays")


if __name__ == "__main__":
    main()
