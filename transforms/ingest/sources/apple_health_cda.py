"""Apple Health's ``export_cda.xml``, which sits beside ``export.xml`` in every export (``apple_health_export/``,
also inside ``export.zip``): the same records again, as an HL7 Clinical Document Architecture file
(``<ClinicalDocument xmlns="urn:hl7-org:v3">`` with one ``<observation>`` per record). Recognised and never read as
data, so no record counts twice: its observations are counted as ignored, the reason noted. Streamed with expat
(memory flat; an entity declaration stops the parse, as for ``apple_health``)."""

from __future__ import annotations

from xml.parsers import expat

from transforms.ingest.errors import MalformedFile
from transforms.ingest.records import ParseResult

FORMAT = "apple_health_cda"
SCOPE = "person"
READ_BYTES = 1 << 20


def detect(name: str, head: str) -> bool:
    return "<ClinicalDocument" in head and "urn:hl7-org:v3" in head


def parse(source, ctx) -> ParseResult:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*args):
        raise MalformedFile(ctx.source_file, "XML declares an entity: refused (entity expansion / external entities)")

    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    count = [0]

    def start(name, attrs):
        if name == "observation":
            count[0] += 1

    parser.StartElementHandler = start
    with source.open() as fh:
        try:
            while block := fh.read(READ_BYTES):
                parser.Parse(block, False)
            parser.Parse(b"", True)
        except LookupError as exc:  # the XML declaration names an encoding Python does not know
            raise MalformedFile(ctx.source_file, f"XML in an unknown encoding ({exc})") from exc
        except expat.ExpatError as exc:
            raise MalformedFile(ctx.source_file, f"XML not well-formed: {expat.ErrorString(exc.code)}") from exc
    n = count[0]
    return ParseResult(
        n_records=n, n_ignored=n, notes=["records ignored: export_cda.xml repeats export.xml's records (HL7 CDA)"]
    )
