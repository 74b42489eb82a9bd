"""The fast 退回件 writer: the unit's own package with a few parts edited or added.

An openpyxl round trip of a unit's workbook costs about 0.7 s, most of ``siyi run`` at
scale. Here every part but these is copied byte for byte:

- each marked sheet gains its conditional formats (one per faulty cell) and a link to
  a new comments part and its VML drawing, which is how Excel stores cell comments;
- ``styles.xml`` gains the two mark fills (as ``dxf``) and the list sheet's styles;
- a new first sheet 退回修改清单 (inline strings, so the shared strings stay as they
  are), listed in ``workbook.xml``, its relationships and the content types; the
  workbook's sheet-local names shift by one and the new sheet becomes the active tab.

It handles the packages that Excel, WPS, LibreOffice and siyi's own templates write:
parts in the default namespace. :func:`patched_copy` returns None for anything else
(a namespace prefix, the unit's own comments on a marked sheet, siyi's marks from an
earlier round), and the caller writes that copy the slow way; what the unit sees is the
same either way.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr, unescape

from siyi_xlsx.errors import ERROR, Issue
from siyi_xlsx.read.workbook import cell_position, column_letter, read_workbook
from siyi_xlsx.write import return_marks as marks

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument"
SHEET_TYPE = f"{TYPES}.spreadsheetml.worksheet+xml"
COMMENTS_TYPE = f"{TYPES}.spreadsheetml.comments+xml"
VML_TYPE = f"{TYPES}.vmlDrawing"

# the parts siyi adds carry this in their names, so they never meet the unit's own
OWN = "siyi_"
LIST_ID, COMMENTS_ID, VML_ID = "rIdSiyiList", "rIdSiyiComments", "rIdSiyiVml"
_ENTITIES = {"&quot;": '"', "&apos;": "'"}
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Unhandled(Exception):
    """The package is of a form this writer leaves to the openpyxl round trip."""


def patched_copy(source: Path, name: str, unit: str, issues: list[Issue]) -> bytes | None:
    """The 退回件's bytes, or None when this package is left to the round trip."""
    try:
        return _Package(source).patch(name, unit, marks.ordered(issues))
    except Unhandled:
        return None


def _attr(tag: str, name: str) -> str | None:
    found = re.search(rf'\s{re.escape(name)}\s*=\s*(["\'])(.*?)\1', tag, re.DOTALL)
    return unescape(found.group(2), _ENTITIES) if found else None


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unhandled from exc


def _in_default_namespace(text: str, root: str, namespace: str) -> None:
    opening = re.search(rf"<{root}[\s>]([^>]*)", text)
    if opening is None or f'xmlns="{namespace}"' not in opening.group(0):
        raise Unhandled(root)


class _Package:
    def __init__(self, source: Path) -> None:
        self.source = source
        with zipfile.ZipFile(source) as archive:
            self.infos = archive.infolist()
            self.parts = {i.filename: archive.read(i) for i in self.infos}
        self.changed: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}
        workbook = self._part("xl/workbook.xml")
        _in_default_namespace(workbook, "workbook", MAIN)
        prefix = re.search(rf'xmlns:(\w+)="{REL}"', workbook)
        if prefix is None:
            raise Unhandled("relationship prefix")
        self.r = prefix.group(1)
        self.workbook = workbook
        self.rels = self._part("xl/_rels/workbook.xml.rels")
        targets = {
            _attr(tag, "Id"): _attr(tag, "Target")
            for tag in re.findall(r"<Relationship\b[^>]*>", self.rels)
        }
        # (title, part name) of each sheet, in the workbook's order
        self.sheets: list[tuple[str, str]] = []
        for tag in re.findall(r"<sheet\b[^>]*>", workbook):
            if "&#" in tag:
                raise Unhandled("a character reference in a sheet name")
            title, rid = _attr(tag, "name"), _attr(tag, f"{self.r}:id")
            target = targets.get(rid)
            if title is None or target is None:
                raise Unhandled("sheet")
            self.sheets.append((title, _resolve("xl/workbook.xml", target)))
        titles = {t for t, _ in self.sheets}
        if marks.LIST_SHEET in titles:
            raise Unhandled("an earlier round's list")
        for part, data in self.parts.items():
            if part.endswith(".xml") and (
                b"N(&quot;siyi&quot;)" in data or b'N("siyi")' in data
            ):
                raise Unhandled("an earlier round's marks")

    def _part(self, name: str) -> str:
        if name not in self.parts:
            raise Unhandled(name)
        return _text(self.parts[name])

    def patch(self, name: str, unit: str, issues: list[Issue]) -> bytes:
        parts = dict(self.sheets)
        found = marks.notes(issues, set(parts))
        by_sheet: dict[str, dict[str, list[Issue]]] = {}
        for (sheet, address), listed in found.items():
            by_sheet.setdefault(sheet, {})[address] = listed
        styles = _Styles(self._part(_styles_part(self.rels)))
        if by_sheet:
            values = read_workbook(
                self.source, skip=[t for t, _ in self.sheets if t not in by_sheet]
            )
        # each VML drawing claims its own block of shape ids (1,024 a block)
        used = re.findall(
            rb'<o:idmap[^>]*data="([0-9,]+)"',
            b"".join(data for part, data in self.parts.items() if part.endswith(".vml")),
        )
        base = max((int(n) for m in used for n in m.split(b",") if n), default=0)
        for number, (sheet, cells) in enumerate(by_sheet.items(), start=base + 1):
            self._mark(parts[sheet], number, cells, values.sheets[sheet], styles)
        self._add_list(name, unit, issues, set(parts), styles)
        self.changed[styles.part] = styles.text().encode()
        self._drop_calculation_chain()
        return self._zip()

    # --- the marked sheets ---------------------------------------------------------

    def _mark(
        self,
        part: str,
        number: int,
        cells: dict[str, list[Issue]],
        data: Any,
        styles: _Styles,
    ) -> None:
        xml = self.changed.get(part, None)
        text = _text(xml) if xml is not None else self._part(part)
        _in_default_namespace(text, "worksheet", MAIN)
        if "<legacyDrawing" in text:
            raise Unhandled("the unit's own comments")
        merged = [
            _bounds(ref)
            for ref in re.findall(r'<mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', text)
        ]
        priority = max((int(p) for p in re.findall(r'priority="(\d+)"', text)), default=0)
        formats, comments, shapes = [], [], []
        anchored: dict[str, list[Issue]] = {}
        for address, listed in cells.items():
            anchored.setdefault(_anchor(address, merged), []).extend(listed)
        if len(anchored) > 1000:
            raise Unhandled("more comments than one block of shape ids")
        for index, (address, found) in enumerate(anchored.items()):
            row, column = _position(address)
            cell = data.cell(row, column)
            value = cell.value if cell is not None else None
            formula = cell is not None and cell.formula is not None
            dxf = styles.mark(marks.fill_of(found))
            priority += 1
            rule = escape(marks.rule_formula(address, value, formula))
            formats.append(
                f'<conditionalFormatting sqref="{address}"><cfRule type="expression" '
                f'dxfId="{dxf}" priority="{priority}" stopIfTrue="1"><formula>{rule}'
                "</formula></cfRule></conditionalFormatting>"
            )
            comments.append(
                f'<comment ref="{address}" authorId="0"><text><t xml:space="preserve">'
                f"{_clean(marks.comment_text(found))}</t></text></comment>"
            )
            width, height = marks.comment_size(found)
            shapes.append(_shape(number * 1024 + 2 + index, row, column, width, height))
        text = _insert(text, "".join(formats), _AFTER_FORMATS)
        text, r = _relationship_prefix(text)
        text = _insert(text, f'<legacyDrawing {r}:id="{VML_ID}"/>', _AFTER_LEGACY)
        self.changed[part] = text.encode()
        comments_part = f"xl/{OWN}comments{number}.xml"
        vml_part = f"xl/drawings/{OWN}vmlDrawing{number}.vml"
        self.added[comments_part] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{MAIN}">'
            f"<authors><author>{marks.AUTHOR}</author></authors><commentList>"
            + "".join(comments)
            + "</commentList></comments>"
        ).encode()
        self.added[vml_part] = _vml(number, shapes).encode()
        rels_part = posixpath.join(
            posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels"
        )
        links = (
            f'<Relationship Id="{COMMENTS_ID}" Type="{REL}/comments" '
            f'Target="/{comments_part}"/>'
            f'<Relationship Id="{VML_ID}" Type="{REL}/vmlDrawing" Target="/{vml_part}"/>'
        )
        if rels_part in self.parts:
            rels = self._part(rels_part)
            if COMMENTS_ID in rels or VML_ID in rels:
                raise Unhandled("relationship ids")
            self.changed[rels_part] = rels.replace(
                "</Relationships>", links + "</Relationships>"
            ).encode()
        else:
            self.added[rels_part] = (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{PKG}">{links}</Relationships>'
            ).encode()
        self._content_type(f"/{comments_part}", COMMENTS_TYPE)
        self._default_type("vml", VML_TYPE)

    # --- the list sheet -------------------------------------------------------------

    def _add_list(
        self, name: str, unit: str, issues: list[Issue], titles: set[str], styles: _Styles
    ) -> None:
        part = f"xl/worksheets/{OWN}list.xml"
        if part in self.parts:
            raise Unhandled(part)
        s = styles.list_styles()
        rows = [
            f'<row r="1" ht="22" customHeight="1">{_string("A1", marks.title(unit), s["title"])}</row>',
            f'<row r="2" ht="45" customHeight="1">{_string("A2", marks.intro(name, issues), s["note"])}'
            + "".join(
                f'<c r="{column_letter(c)}2" s="{s["note"]}"/>' for c in range(2, 8)
            )
            + "</row>",
            '<row r="3">'
            + "".join(
                _string(f"{column_letter(c)}3", text, s["header"])
                for c, text in enumerate(marks.HEADERS, start=1)
            )
            + "</row>",
        ]
        links = []
        for number, issue in enumerate(issues, start=1):
            row = marks.FIRST_ROW + number - 1
            cells = []
            linked = issue.sheet in titles and bool(issue.cell)
            for col, value in enumerate(marks.list_row(number, issue), start=1):
                ref = f"{column_letter(col)}{row}"
                style = s["body"]
                if col == 3 and linked:
                    style = s["link"]
                elif col == 6:
                    style = s["error"] if issue.severity == ERROR else s["warning"]
                if isinstance(value, int):
                    cells.append(f'<c r="{ref}" s="{style}"><v>{value}</v></c>')
                elif value == "":
                    cells.append(f'<c r="{ref}" s="{style}"/>')
                else:
                    cells.append(_string(ref, str(value), style))
            rows.append(f'<row r="{row}">' + "".join(cells) + "</row>")
            if linked:
                location = quoteattr(_clean(marks.link_location(issue)))
                links.append(
                    f'<hyperlink ref="C{row}" location={location} '
                    f"display={quoteattr(_clean(issue.cell))}/>"
                )
        last = marks.FIRST_ROW + len(issues) - 1
        columns = "".join(
            f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
            for c, w in enumerate(marks.WIDTHS, start=1)
        )
        sheet = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<dimension ref="A1:G{max(last, 3)}"/>'
            '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
            '<pane ySplit="3" topLeftCell="A4" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A4" sqref="A4"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            f"<cols>{columns}</cols>"
            f"<sheetData>{''.join(rows)}</sheetData>"
            '<mergeCells count="1"><mergeCell ref="A2:G2"/></mergeCells>'
            + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
            + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
            "</worksheet>"
        )
        self.added[part] = sheet.encode()
        self._place_first_sheet(part)

    def _place_first_sheet(self, part: str) -> None:
        workbook = self.workbook
        if LIST_ID in self.rels:
            raise Unhandled("relationship ids")
        ids = [int(i) for i in re.findall(r'<sheet\b[^>]*\ssheetId="(\d+)"', workbook)]
        entry = (
            f'<sheet name="{marks.LIST_SHEET}" sheetId="{max(ids, default=0) + 1}" '
            f'{self.r}:id="{LIST_ID}"/>'
        )
        opening = re.search(r"<sheets\s*>", workbook)
        if opening is None:
            raise Unhandled("sheets")
        workbook = workbook[: opening.end()] + entry + workbook[opening.end() :]
        # names local to a sheet follow it: every sheet moved one place to the right
        workbook = re.sub(
            r'localSheetId="(\d+)"',
            lambda m: f'localSheetId="{int(m.group(1)) + 1}"',
            workbook,
        )
        workbook = _with_view(workbook)
        self.changed["xl/workbook.xml"] = workbook.encode()
        self.changed["xl/_rels/workbook.xml.rels"] = self.rels.replace(
            "</Relationships>",
            f'<Relationship Id="{LIST_ID}" Type="{REL}/worksheet" Target="/{part}"/>'
            "</Relationships>",
        ).encode()
        self._content_type(f"/{part}", SHEET_TYPE)
        # the list opens first: no other sheet is selected with it
        for _, sheet_part in self.sheets:
            text = _text(
                self.changed.get(sheet_part) or self.parts.get(sheet_part) or b""
            )
            if 'tabSelected="1"' in text or "tabSelected='1'" in text:
                text = re.sub(
                    r"""tabSelected=["'](1|true)["']""", 'tabSelected="0"', text
                )
                self.changed[sheet_part] = text.encode()

    # --- the package ----------------------------------------------------------------

    def _drop_calculation_chain(self) -> None:
        """Remove ``calcChain.xml``: it names sheets by position, which the list sheet
        shifts, and Excel rebuilds it on the next calculation (openpyxl drops it too)."""
        chain = "xl/calcChain.xml"
        if chain not in self.parts:
            return
        del self.parts[chain]
        rels = _text(self.changed["xl/_rels/workbook.xml.rels"])
        rels = re.sub(r'<Relationship\b[^>]*/calcChain"[^>]*/>', "", rels)
        self.changed["xl/_rels/workbook.xml.rels"] = rels.encode()
        types = re.sub(r'<Override\b[^>]*"/xl/calcChain\.xml"[^>]*/>', "", self._types())
        self.changed["[Content_Types].xml"] = types.encode()

    def _types(self) -> str:
        name = "[Content_Types].xml"
        return _text(self.changed.get(name) or self.parts[name])

    def _content_type(self, part: str, kind: str) -> None:
        types = self._types()
        entry = f'<Override PartName="{part}" ContentType="{kind}"/>'
        self.changed["[Content_Types].xml"] = types.replace(
            "</Types>", entry + "</Types>"
        ).encode()

    def _default_type(self, extension: str, kind: str) -> None:
        types = self._types()
        if re.search(rf'Extension="{extension}"', types, re.IGNORECASE):
            return
        entry = f'<Default Extension="{extension}" ContentType="{kind}"/>'
        self.changed["[Content_Types].xml"] = types.replace(
            "</Types>", entry + "</Types>"
        ).encode()

    def _zip(self) -> bytes:
        if "</Types>" not in self._types():
            raise Unhandled("content types")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for part, data in self.parts.items():
                archive.writestr(part, self.changed.get(part, data))
            for part, data in self.added.items():
                archive.writestr(part, data)
        return out.getvalue()


class _Styles:
    """``styles.xml``, with the styles the marks and the list add appended to it."""

    def __init__(self, text: str) -> None:
        _in_default_namespace(text, "styleSheet", MAIN)
        self.body = text
        self.part = "xl/styles.xml"
        self.dxfs: dict[str, int] = {}
        self._list: dict[str, int] | None = None
        base = re.search(r"<fonts\b[^>]*>\s*<font\b[^>]*>(.*?)</font>", text, re.DOTALL)
        font = base.group(1) if base else ""
        size = re.search(r'<sz\s+val="([^"]+)"', font)
        face = re.search(r'<name\s+val="([^"]+)"', font)
        self.size = size.group(1) if size else "11"
        self.face = face.group(1) if face else "等线"

    def text(self) -> str:
        return self.body

    def _append(self, block: str, child: str, xml: str) -> int:
        """Append ``xml`` to the ``block`` list; its index. The list must exist."""
        whole = re.search(
            rf"<{block}\b([^>]*?)(/?)>(.*?)(</{block}>|$)", self.body, re.DOTALL
        )
        if whole is None:
            raise Unhandled(block)
        if whole.group(2):  # <dxfs count="0"/>
            inner, end = "", whole.end(2) + 1
            start = whole.start()
        else:
            inner = whole.group(3)
            if not whole.group(4):
                raise Unhandled(block)
            start, end = whole.start(), whole.end()
        index = len(re.findall(rf"<{child}\b", inner))
        attributes = re.sub(r'\s*count="\d+"', "", whole.group(1))
        rebuilt = f'<{block} count="{index + 1}"{attributes}>{inner}{xml}</{block}>'
        self.body = self.body[:start] + rebuilt + self.body[end:]
        return index

    def mark(self, color: str) -> int:
        """The index of the ``dxf`` that fills a marked cell with ``color``."""
        if color not in self.dxfs:
            if re.search(r"<dxfs\b", self.body) is None:
                self.body = _insert(self.body, '<dxfs count="0"/>', _AFTER_DXFS)
            fill = f'<patternFill patternType="solid"><fgColor rgb="{color}"/><bgColor rgb="{color}"/></patternFill>'
            self.dxfs[color] = self._append(
                "dxfs", "dxf", f"<dxf><fill>{fill}</fill></dxf>"
            )
        return self.dxfs[color]

    def list_styles(self) -> dict[str, int]:
        """The list sheet's cell styles (``cellXfs`` indexes) by use."""
        if self._list is not None:
            return self._list

        def font(extra: str, size: str | None = None, face: str | None = None) -> int:
            return self._append(
                "fonts",
                "font",
                f'<font>{extra}<sz val="{size or self.size}"/>'
                f'<name val="{escape(face or self.face)}"/></font>',
            )

        def fill(color: str) -> int:
            return self._append(
                "fills",
                "fill",
                f'<fill><patternFill patternType="solid"><fgColor rgb="{color}"/>'
                '<bgColor indexed="64"/></patternFill></fill>',
            )

        side = f'style="thin"><color rgb="{marks.GREY}"/>'
        border = self._append(
            "borders",
            "border",
            f"<border><left {side}</left><right {side}</right><top {side}</top>"
            f"<bottom {side}</bottom><diagonal/></border>",
        )
        wrap = '<alignment vertical="top" wrapText="1"/>'

        def xf(
            font_id: int = 0, fill_id: int = 0, border_id: int = 0, align: str = ""
        ) -> int:
            return self._append(
                "cellXfs",
                "xf",
                f'<xf numFmtId="0" fontId="{font_id}" fillId="{fill_id}" borderId="{border_id}" '
                'xfId="0" applyFont="1" applyFill="1" applyBorder="1"'
                + (' applyAlignment="1">' + align + "</xf>" if align else "/>"),
            )

        title = font("<b/>", "14", "黑体")
        bold = font("<b/>")
        link = font(f'<u/><color rgb="{marks.LINK}"/>')
        self._list = {
            "title": xf(title),
            "note": xf(align=wrap),
            "header": xf(bold, fill(marks.HEADER), border),
            "body": xf(0, 0, border, wrap),
            "link": xf(link, 0, border, wrap),
            "error": xf(0, fill(marks.RED), border, wrap),
            "warning": xf(0, fill(marks.ORANGE), border, wrap),
        }
        return self._list


# A worksheet's children come in a fixed order; new ones go before the first that must
# follow them (or after the last of their own kind).
_AFTER_FORMATS = (
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)
_AFTER_LEGACY = _AFTER_FORMATS[_AFTER_FORMATS.index("legacyDrawingHF") :]
_AFTER_DXFS = ("tableStyles", "colors", "extLst")


_BODY_END = re.compile(r"</sheetData>|<sheetData\s*/>|</cellXfs>|</cellStyles>")


def _insert(text: str, xml: str, before: tuple[str, ...]) -> str:
    """``xml`` placed before the first element named in ``before`` that follows the
    sheet's cells (or the style lists), or before the root's closing tag."""
    start = max((m.end() for m in _BODY_END.finditer(text)), default=-1)
    if start < 0:
        raise Unhandled("no sheetData or cellXfs")
    names = "|".join(before)
    found = re.compile(rf"<(?:{names})[\s/>]").search(text, start)
    if found is None:
        found = re.compile(r"</(?:worksheet|styleSheet)>\s*$").search(text, start)
        if found is None:
            raise Unhandled("closing tag")
    return text[: found.start()] + xml + text[found.start() :]


def _relationship_prefix(sheet: str) -> tuple[str, str]:
    """The sheet, its root declaring the relationships namespace; and its prefix."""
    opening = re.search(r"<worksheet\b[^>]*>", sheet)
    if opening is None:
        raise Unhandled("worksheet")
    declared = re.search(rf'xmlns:(\w+)="{REL}"', opening.group(0))
    if declared:
        return sheet, declared.group(1)
    if "xmlns:r=" in opening.group(0):
        raise Unhandled("prefix r bound to another namespace")
    end = opening.end() - (2 if opening.group(0).endswith("/>") else 1)
    return sheet[:end] + f' xmlns:r="{REL}"' + sheet[end:], "r"


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _styles_part(rels: str) -> str:
    for tag in re.findall(r"<Relationship\b[^>]*>", rels):
        if (_attr(tag, "Type") or "").endswith("/styles"):
            return _resolve("xl/workbook.xml", _attr(tag, "Target") or "")
    raise Unhandled("styles")


def _position(address: str) -> tuple[int, int]:
    found = cell_position(address)
    if found is None:
        raise Unhandled(address)
    return found


def _bounds(ref: str) -> tuple[int, int, int, int]:
    first, last = ref.split(":")
    (r1, c1), (r2, c2) = _position(first), _position(last)
    return r1, c1, r2, c2


def _anchor(address: str, merged: list[tuple[int, int, int, int]]) -> str:
    """The cell to mark: for a cell inside a merged range, the range's top-left cell."""
    row, column = _position(address)
    for r1, c1, r2, c2 in merged:
        if r1 <= row <= r2 and c1 <= column <= c2:
            return f"{column_letter(c1)}{r1}"
    return address


def _with_view(workbook: str) -> str:
    """The workbook opening on its first sheet."""
    view = re.search(r"<workbookView\b[^>]*?(/?)>", workbook)
    if view is None:
        return _insert_views(workbook)
    tag = view.group(0)
    new = re.sub(r'\s(activeTab|firstSheet)="\d+"', "", tag)
    new = new.replace("<workbookView", '<workbookView activeTab="0"', 1)
    return workbook[: view.start()] + new + workbook[view.end() :]


def _insert_views(workbook: str) -> str:
    found = re.search(r"<sheets\s*>", workbook)
    assert found is not None  # checked by the caller
    views = '<bookViews><workbookView activeTab="0"/></bookViews>'
    return workbook[: found.start()] + views + workbook[found.start() :]


def _clean(text: str) -> str:
    return escape(_ILLEGAL.sub("", text))


def _string(ref: str, text: str, style: int) -> str:
    return (
        f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
        f"{_clean(text)}</t></is></c>"
    )


def _shape(number: int, row: int, column: int, width: int, height: int) -> str:
    """A comment's VML box (as Excel and openpyxl write it), hidden until hovered."""
    return (
        f'<v:shape id="_x0000_s{number:04d}" type="#_x0000_t202" '
        f'style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;width:{width}px;'
        f'height:{height}px;z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
        '<v:fill color2="#ffffe1"/><v:shadow color="black" obscured="t"/>'
        '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
        '<div style="text-align:left"/></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:AutoFill>False</x:AutoFill><x:Row>{row - 1}</x:Row>"
        f"<x:Column>{column - 1}</x:Column></x:ClientData></v:shape>"
    )


def _vml(number: int, shapes: list[str]) -> str:
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{number}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        + "".join(shapes)
        + "</xml>"
    )
