"""Evidence contents: short, realistic UTF-8 documents, and their chains of custody.

Each item's bytes are generated from its case's story (goods, parties, figures), stored in
`evidence_contents`, and described by their real SHA-256 and length.
"""

import json
import random
from datetime import datetime
from typing import NamedTuple
from xml.sax.saxutils import escape

from store.models.domain import Administration, EvidenceKind
from store.seed.agencies import CUSTODY_HOLDERS, SEAL_PREFIX
from store.seed.themes import CONTRABAND, FINANCE, STRATEGIC, Theme, hs_display
from store.seed.timeline import REFERENCE_TIME, days

TEXT = "text/plain; charset=utf-8"


class Story(NamedTuple):
    """What a case's documents speak of."""

    administration: Administration
    agency: str
    case_reference: str
    theme: Theme
    place: str
    seller: str
    buyer: str
    person: str
    country: str
    quantity: int
    unit_price: float
    declared_total: float


class Document(NamedTuple):
    title: str
    description: str
    media_type: str
    content: bytes


def _money(amount: float) -> str:
    return f"USD {amount:,.2f}"


def _invoice(rng: random.Random, story: Story, on: datetime) -> tuple[str, str]:
    number = f"INV-{on.year}-{rng.randrange(1, 9999):04d}"
    unit_price = story.declared_total / max(story.quantity, 1)
    hs = hs_display(story.theme.hs_codes[0])
    terms = rng.choice(("FCA", "CPT", "FOB", "DAP"))
    text = (
        f"COMMERCIAL INVOICE No. {number}\nDate: {on:%Y-%m-%d}\nSeller: {story.seller}\n"
        f"Buyer: {story.buyer}\nGoods: {story.theme.goods}, HS {hs}\n"
        f"Quantity: {story.quantity:,} {story.theme.unit}\nUnit price: USD {unit_price:,.2f}\n"
        f"Total: {_money(story.declared_total)}\nTerms: {terms}\n"
        f"Country of origin: {story.country}\n"
    )
    return f"Commercial invoice {number}", text


def _packing_list(rng: random.Random, story: Story, on: datetime) -> tuple[str, str]:
    number = f"PL-{on.year}-{rng.randrange(1, 9999):04d}"
    packages = rng.randrange(4, 400)
    text = (
        f"PACKING LIST No. {number}\nDate: {on:%Y-%m-%d}\nShipper: {story.seller}\n"
        f"Consignee: {story.buyer}\nDescription: {story.theme.goods}\n"
        f"Packages: {packages} ({story.quantity:,} {story.theme.unit})\n"
        f"Gross weight: {rng.randrange(200, 26000):,} kg\n"
        f"Marks: {story.case_reference[-6:]}/1-{packages}\n"
    )
    return f"Packing list {number}", text


def _transport_document(rng: random.Random, story: Story, on: datetime) -> tuple[str, str]:
    number = f"{rng.choice(('MEDU', 'MAEU', 'CMDU', 'HLCU'))}{rng.randrange(10**9):09d}"
    text = (
        f"BILL OF LADING / CONSIGNMENT NOTE No. {number}\nShipped on board: {on:%Y-%m-%d}\n"
        f"Shipper: {story.seller}\nConsignee: {story.buyer}\nNotify: {story.buyer}\n"
        f"Place of delivery: {story.place}\nDescription of goods: said to contain "
        f"{story.quantity:,} {story.theme.unit} of {story.theme.goods}\nFreight: prepaid\n"
    )
    return f"Transport document {number}", text


def _declaration(rng: random.Random, story: Story, on: datetime) -> tuple[str, str]:
    kind = "Entry summary (CBP Form 7501)" if story.administration is Administration.US else (
        "Cargo customs declaration (GTD)")
    text = (
        f"{kind.upper()} - EXTRACT\nFiled: {on:%Y-%m-%d} at {story.place}\n"
        f"Declarant: {story.buyer}\nGoods: {story.theme.goods}\n"
        f"HS code: {hs_display(story.theme.hs_codes[0])}\n"
        f"Declared value: {_money(story.declared_total)}\nCountry of origin: {story.country}\n"
        f"Duty rate: {rng.choice((5, 7.5, 10, 12, 15, 20, 25))}%\n"
    )
    return f"{kind}, extract", text


def _lab_report(rng: random.Random, story: Story, on: datetime) -> tuple[str, str]:
    number = f"LR-{on.year}-{rng.randrange(1, 99999):05d}"
    lab = ("CBP Laboratories and Scientific Services" if story.administration is Administration.US
           else "Customs laboratory of the State Customs Committee")
    text = (
        f"LABORATORY REPORT {number}\nLaboratory: {lab}\nCase: {story.case_reference}\n"
        f"Sample: {story.theme.goods}, {rng.randrange(2, 60)} g\nReceived: {on:%Y-%m-%d}\n"
        f"Methods: {rng.choice(('GC-MS', 'FTIR', 'XRF', 'microscopy', 'HPLC'))}\n"
        f"Result: {story.theme.finding}\n"
    )
    return f"Laboratory report {number}", text


def _certificate(rng: random.Random, story: Story, on: datetime) -> tuple[str, str]:
    number = f"{rng.randrange(10**6, 10**7)}"
    if story.theme.category == STRATEGIC:
        name = "End-user certificate"
        body = f"End user: {story.buyer}\nStated end use: civilian manufacturing\n"
    elif story.theme.offence.value == "WILDLIFE":
        name = "CITES export permit (as presented)"
        body = f"Specimens: {story.theme.goods}\nExporter: {story.seller}\n"
    else:
        name = "Certificate of origin"
        body = f"Exporter: {story.seller}\nCountry of origin: {story.country}\n"
    text = (
        f"{name.upper()} No. {number}\nIssued: {on:%Y-%m-%d}\n{body}"
        f"Goods: {story.quantity:,} {story.theme.unit} of {story.theme.goods}\n"
    )
    return f"{name} No. {number}", text


def _certified(rng: random.Random, story: Story, on: datetime,
               inner: tuple[str, str]) -> tuple[str, str]:
    title, text = inner
    header = (
        f"CERTIFIED TRUE COPY\nCertified by {story.agency} on {on:%Y-%m-%d}, "
        f"stamp No. {rng.randrange(1000, 99999)}\n---\n"
    )
    return f"Certified copy: {title[0].lower()}{title[1:]}", header + text


def _photo(rng: random.Random, story: Story, on: datetime, serial: int) -> tuple[str, str]:
    total = rng.randrange(serial, serial + 12)
    caption = escape(f"{story.theme.goods} - {story.place} - {on:%Y-%m-%d}")
    x, y = rng.randrange(40, 300), rng.randrange(80, 220)
    text = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">'
        f'<rect width="640" height="480" fill="#{rng.randrange(0x303030, 0x707070):06x}"/>'
        f'<rect x="{x}" y="{y}" width="{rng.randrange(80, 300)}" height="{rng.randrange(60, 200)}" '
        'fill="none" stroke="#d00" stroke-width="4"/>'
        f'<text x="16" y="32" fill="#fff">{escape(story.case_reference)} photo {serial} of '
        f'{total}</text><text x="16" y="464" fill="#fff">{caption}</text></svg>\n'
    )
    return f"Photograph {serial} of {total}: {story.theme.goods}", text


def _label(rng: random.Random, story: Story, on: datetime) -> tuple[str, str]:
    weight = f"{rng.randrange(1, 400) / 10:.1f} kg"
    text = (
        f"EVIDENCE LABEL\nCase: {story.case_reference}\nItem: {story.theme.goods}, {weight} "
        f"gross\nSeized at: {story.place}, {on:%Y-%m-%d %H:%M} UTC\nFrom: {story.person}\n"
        f"Observation: {story.theme.finding}\n"
    )
    return f"Seized item: {story.theme.goods} ({weight})", text


def _transfers(rng: random.Random, story: Story, on: datetime) -> tuple[str, str]:
    rows = ["date,ordering_party,beneficiary,amount_usd,reference"]
    for _ in range(rng.randrange(3, 8)):
        amount = story.declared_total / rng.randrange(2, 9)
        rows.append(f"{(on - days(rng.randrange(1, 200))):%Y-%m-%d},\"{story.buyer}\","
                    f"\"{story.seller}\",{amount:.2f},INV-{rng.randrange(1, 9999):04d}")
    return "Bank transfer records", "\n".join(rows) + "\n"


_CHAT_LINES = ("Yuk ertaga chegarada bo'ladi", "Груз будет завтра на границе",
               "Documents are ready, same as last time", "Pul o'tkazildi, tekshiring",
               "Не звони на этот номер", "Truck leaves tonight")


def _messages(rng: random.Random, story: Story, on: datetime) -> tuple[str, str]:
    messages = [
        {"at": f"{(on - days(rng.randrange(1, 30))):%Y-%m-%dT%H:%M:%SZ}",
         "from": rng.choice((story.person, "unknown contact")), "text": rng.choice(_CHAT_LINES)}
        for _ in range(rng.randrange(2, 5))
    ]
    data = {"source": "mobile phone extraction", "case": story.case_reference,
            "messages": messages}
    return "Messages extracted from a mobile phone", json.dumps(data, ensure_ascii=False) + "\n"


_DOCUMENTS = (_invoice, _packing_list, _transport_document, _declaration)


def evidence_document(rng: random.Random, kind: EvidenceKind, story: Story, on: datetime,
                      serial: int) -> Document:
    category = story.theme.category
    media_type = TEXT
    if kind is EvidenceKind.DOCUMENT:
        makers = (*_DOCUMENTS, _lab_report) if category == CONTRABAND else _DOCUMENTS
        title, text = rng.choice(makers)(rng, story, on)
        description = "Document obtained from the declarant or the carrier."
    elif kind is EvidenceKind.CERTIFIED_COPY:
        inner = rng.choice((_invoice, _transport_document, _declaration, _certificate))
        title, text = _certified(rng, story, on, inner(rng, story, on))
        description = "Certified true copy made from the original held by the issuing office."
    elif kind is EvidenceKind.ORIGINAL:
        title, text = _certificate(rng, story, on)
        title = f"Original: {title[0].lower()}{title[1:]}"
        description = "Original document; to be returned to its holder when no longer needed."
    elif kind is EvidenceKind.IMAGE:
        title, text = _photo(rng, story, on, serial)
        description, media_type = "Photograph taken during the examination.", "image/svg+xml"
    elif kind is EvidenceKind.PHYSICAL_ITEM:
        title, text = _label(rng, story, on)
        description = "Physical item held in evidence storage; the content is its label record."
    elif category in (FINANCE, STRATEGIC) or rng.random() < 0.3:
        title, text = _transfers(rng, story, on)
        description, media_type = "Export of bank transfer records.", "text/csv; charset=utf-8"
    else:
        title, text = _messages(rng, story, on)
        description, media_type = "Forensic extraction of messages.", "application/json"
    return Document(title[:300], description, media_type, text.encode("utf-8"))


_PURPOSES = {
    EvidenceKind.PHYSICAL_ITEM: ("Transfer to secure evidence storage",
                                 "Transfer to laboratory for analysis", "Return from laboratory",
                                 "Transfer to the prosecutor for proceedings"),
    EvidenceKind.ORIGINAL: ("Registration in the evidence register",
                            "Preparation of certified copies", "Transfer to the investigator",
                            "Transfer to the prosecutor for proceedings"),
}
_OTHER_PURPOSES = ("Registration in the case file", "Forensic imaging and hash verification",
                   "Transfer to the investigator")
_CONDITIONS = ("Intact, seal unbroken", "Packaging intact", "Resealed after sampling",
               "No alterations observed", "Hash verified against the recorded SHA-256")


def custody_chain(rng: random.Random, administration: Administration, kind: EvidenceKind,
                  collector: str, place: str, collected: datetime,
                  final: tuple[str, str] | None = None) -> list[tuple[str, str, datetime, str,
                                                                      str | None, str]]:
    """(from, to, at, purpose, seal, condition) events, in order; `final` ends the chain."""
    sealed = kind in (EvidenceKind.PHYSICAL_ITEM, EvidenceKind.ORIGINAL)
    length = rng.randrange(2, 6) if sealed else rng.randrange(1, 4)
    purposes = _PURPOSES.get(kind, _OTHER_PURPOSES)
    holders = [h.format(place=place) for h in CUSTODY_HOLDERS[administration]]
    seal = f"{SEAL_PREFIX[administration]}{rng.randrange(10**7):07d}" if sealed else None
    events = []
    holder, at = collector, collected
    first_purpose = "Seizure and sealing at the point of examination" if sealed else (
        "Receipt and registration")
    for step in range(length):
        at = min(at + days(rng.randrange(0, 40)) + days(rng.random()), REFERENCE_TIME)
        at = at.replace(microsecond=0)
        if final is not None and step == length - 1:
            receiver, purpose = final
        else:
            receiver = rng.choice(holders)
            purpose = first_purpose if step == 0 else purposes[(step - 1) % len(purposes)]
        if receiver == holder:
            receiver = holders[(holders.index(receiver) + 1) % len(holders)] if (
                receiver in holders) else holders[0]
        events.append((holder, receiver, at, purpose, seal, rng.choice(_CONDITIONS)))
        holder = receiver
    return events
