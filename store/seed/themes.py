"""What the synthetic cases are about: one theme per kind of case, by offence type.

A theme gives the goods, their HS codes, how they travel, and the text templates for titles,
summaries and requests. Templates are filled from a case's own parties and figures, so a case's
title, summary, parties, shipments and documents tell one story.
"""

from typing import NamedTuple

from store.models.domain import Administration, OffenceType

TRADE, CONTRABAND, STRATEGIC, FINANCE = "trade", "contraband", "strategic", "finance"


def quantity_text(unit: str, quantity: int) -> str:
    return f"USD {quantity:,}" if unit == "USD" else f"{quantity:,} {unit}"


def hs_display(code: str) -> str:
    return f"{code[:4]}.{code[4:6]}" + (f".{code[6:]}" if len(code) > 6 else "")


class Theme(NamedTuple):
    key: str
    offence: OffenceType
    related: tuple[OffenceType, ...]
    category: str
    goods: str
    hs_codes: tuple[str, ...]
    unit: str
    quantity: tuple[int, int]
    unit_price: tuple[float, float]  # USD per unit
    modes: tuple[str, ...]  # sea, air, road, rail
    title: str
    summary: str
    matter: str
    finding: str


_O = OffenceType
THEMES: tuple[Theme, ...] = (
    Theme("textiles", _O.VALUATION_FRAUD, (_O.DUTY_EVASION, _O.MONEY_LAUNDERING), TRADE,
          "cotton fabric", ("5208320000", "520852", "6109100012"), "metres", (20000, 180000),
          (1.8, 4.5), ("sea", "rail"),
          "Undervalued {goods} {flow}s {prep} {country}",
          "{company} declared {quantity} of {goods} at {declared}, about {percent} below the "
          "price shown in payment records ({actual}). Invoices presented at {place} appear to "
          "have been re-issued by a trading intermediary. Duties of about {duty} are at stake.",
          "the declared value of {goods} shipped by {subject}",
          "Declared unit value {percent} below the price paid according to bank records."),
    Theme("yarn", _O.VALUATION_FRAUD, (_O.ORIGIN_FRAUD,), TRADE, "cotton yarn",
          ("520512", "5205130000"), "kg", (18000, 120000), (2.2, 3.6), ("rail", "sea"),
          "Under-invoiced {goods} {flow}s {prep} {country}",
          "Two sets of invoices for {quantity} of {goods} were found at {place}: one for "
          "{declared} presented to customs and one for {actual} sent to the buyer's bank. "
          "{company} is the declarant; the difference is settled through a third-country account.",
          "the export value and the exporter's records for {goods} invoiced by {subject}",
          "Two invoices with the same number and different totals."),
    Theme("steel", _O.ORIGIN_FRAUD, (_O.DUTY_EVASION, _O.CLASSIFICATION_FRAUD), TRADE,
          "welded steel pipes", ("730630", "7306305000", "720851"), "tonnes", (120, 2400),
          (620.0, 980.0), ("sea", "rail"),
          "Misdeclared origin of {goods} transshipped via {country}",
          "Certificates of origin for {quantity} of {goods} name {country} as the country of "
          "origin, but mill test reports and container tracking point to production in a third "
          "country subject to anti-dumping duties. {company} imported the goods through {place}.",
          "the origin of {goods} certified for {subject}",
          "Mill test certificates name a producer outside the declared country of origin."),
    Theme("honey", _O.ORIGIN_FRAUD, (_O.DUTY_EVASION,), TRADE, "natural honey",
          ("040900", "0409000010"), "kg", (15000, 90000), (2.1, 3.9), ("sea",),
          "Transshipped {goods} relabelled as produced in {country}",
          "Pollen analysis of {goods} entered at {place} by {company} does not match the "
          "declared origin ({country}). {quantity} were shipped in drums re-labelled at a bonded "
          "warehouse; about {duty} in anti-dumping duties may have been evaded.",
          "the producer and origin of {goods} exported by {subject}",
          "Pollen spectrum inconsistent with the declared country of origin."),
    Theme("ebikes", _O.CLASSIFICATION_FRAUD, (_O.DUTY_EVASION,), TRADE,
          "electric bicycles declared as bicycle parts", ("871160", "871499"), "units",
          (300, 4000), (180.0, 420.0), ("sea",),
          "Complete {goods} {prep} {country}",
          "Containers declared by {company} at {place} as bicycle frames and parts held {quantity} "
          "of complete, ready-to-ride e-bikes. Classifying them as parts lowered the duty due "
          "by about {duty}.",
          "the description and classification of goods shipped by {subject}",
          "Goods presented as complete machines with motors and batteries fitted."),
    Theme("silk", _O.CLASSIFICATION_FRAUD, (_O.VALUATION_FRAUD,), TRADE,
          "silk fabric declared as synthetic fabric", ("500720", "5407520000"), "metres",
          (5000, 40000), (9.0, 22.0), ("air", "rail"),
          "Silk fabric misclassified as synthetic {prep} {country}",
          "Laboratory tests of samples from a consignment of {quantity} declared by {company} "
          "at {place} identified natural silk, not polyester. The misdescription reduced "
          "duties by about {duty} and hid an undervaluation of {percent}.",
          "the composition of fabric declared by {subject}",
          "Fibre analysis: 100% natural silk (Bombyx mori)."),
    Theme("cigarettes", _O.DUTY_EVASION, (_O.MONEY_LAUNDERING,), CONTRABAND, "cigarettes",
          ("240220",), "cartons", (800, 9000), (6.0, 11.0), ("road", "rail"),
          "Undeclared {goods} concealed in a truck of dried apricots from {country}",
          "X-ray examination at {place} found {quantity} of {goods} behind a front load of "
          "dried apricots. The driver, {person}, presented a transit declaration lodged by "
          "{company}. Excise and duties evaded: about {duty}.",
          "the consignor and transit history of a truck dispatched by {subject}",
          "X-ray image shows uniform packages behind the first two pallet rows."),
    Theme("vehicles", _O.DUTY_EVASION, (_O.ORIGIN_FRAUD,), TRADE, "used passenger vehicles",
          ("870323", "8703230190"), "units", (6, 60), (9000.0, 26000.0), ("road", "sea"),
          "Used vehicles {prep} {country} diverted from transit",
          "{quantity} of used vehicles declared by {company} as in transit through {place} "
          "were sold on the domestic market instead of leaving the country. Transit guarantees "
          "were forged; duties of about {duty} were not paid.",
          "the exit of vehicles placed in transit by {subject}",
          "VINs of vehicles in transit match registrations on the domestic market."),
    Theme("heroin", _O.NARCOTICS, (_O.MONEY_LAUNDERING,), CONTRABAND,
          "heroin concealed in onions", ("070310",), "kg", (4, 60), (8000.0, 30000.0),
          ("road", "rail", "sea"),
          "Heroin concealed in a consignment of onions {prep} {country}",
          "A dog alerted to a consignment of onions at {place}. Examination found {weight} of "
          "heroin in vacuum-sealed packages inside hollowed-out onions. {person} accompanied the "
          "load; the consignor is {company}.",
          "the consignor, route and associates of {subject}",
          "Field test positive for opiates; laboratory result: diacetylmorphine (heroin)."),
    Theme("hashish", _O.NARCOTICS, (_O.TERRORISM_FINANCING,), CONTRABAND,
          "hashish concealed in dried fruit", ("081340", "080620"), "kg", (10, 300),
          (1500.0, 4000.0), ("road", "rail"),
          "Hashish hidden in dried fruit {prep} {country}",
          "{weight} of hashish were found in the false floor of a truck carrying dried fruit "
          "declared by {company} at {place}. The driver {person} was detained.",
          "the consignor and the truck's earlier crossings, linked to {subject}",
          "Resin slabs stamped with a trade mark; THC content 18-24%."),
    Theme("tramadol", _O.NARCOTICS, (_O.IPR,), CONTRABAND, "tramadol 225 mg",
          ("300490", "3004900000"), "tablets", (20000, 900000), (0.02, 0.08), ("air",),
          "Undeclared tramadol tablets in air cargo {prep} {country}",
          "Air cargo declared by {company} as vitamins at {place} held {quantity} of tramadol "
          "225 mg, a controlled substance. Consignee details lead to {person}.",
          "the shipper and the payments for tablets sent by {subject}",
          "Tablets identified as tramadol hydrochloride 225 mg."),
    Theme("rifle_parts", _O.WEAPONS, (_O.STRATEGIC_GOODS,), CONTRABAND,
          "AK-pattern rifle parts declared as machine parts", ("930591", "848790"), "pieces",
          (40, 900), (35.0, 160.0), ("air", "sea"),
          "AK-pattern rifle parts declared as machine parts {prep} {country}",
          "Parcels declared by {company} at {place} as spare parts for textile machinery held "
          "{quantity} of receivers, bolt carriers and trigger groups for AK-pattern rifles. "
          "{person} paid for the shipments in cash.",
          "the supplier and consignee of rifle parts connected to {subject}",
          "Items identified by a firearms examiner as AK-pattern receivers and bolt carriers."),
    Theme("pistols", _O.WEAPONS, (_O.MONEY_LAUNDERING,), CONTRABAND,
          "pistol components and ammunition", ("930510", "930630"), "pieces", (10, 300),
          (40.0, 250.0), ("air",),
          "Pistol components and ammunition in express parcels {prep} {country}",
          "Express parcels addressed by {person} through {company} were examined at {place}: "
          "{quantity} of pistol slides, barrels and 9 mm ammunition, declared as auto parts.",
          "the sender and the recipients of parcels linked to {subject}",
          "Components fit 9 mm semi-automatic pistols; ammunition 9x19 mm."),
    Theme("manuscripts", _O.CULTURAL_PROPERTY, (_O.DUTY_EVASION,), CONTRABAND,
          "Timurid-era manuscripts", ("970600", "490199"), "volumes", (2, 14),
          (15000.0, 220000.0), ("air",),
          "Timurid-era manuscripts smuggled {prep} {country}",
          "{quantity} of illuminated Persian-language manuscripts, assessed by experts as 15th "
          "century, were found in the checked baggage of {person} at {place}. An auction house, "
          "{company}, had listed similar items without export permits.",
          "the provenance and export permits of manuscripts offered by {subject}",
          "Expert opinion: 15th-century Timurid manuscripts, export permit absent."),
    Theme("coins", _O.CULTURAL_PROPERTY, (_O.MONEY_LAUNDERING,), CONTRABAND,
          "Sogdian silver coins", ("970531", "971000"), "pieces", (40, 600), (150.0, 2500.0),
          ("air",),
          "Sogdian silver coins from illicit excavations {prep} {country}",
          "{quantity} of Sogdian silver coins were declared by {company} at {place} as modern "
          "replicas. Soil deposits and expert examination show recent excavation; {person} "
          "arranged the shipment.",
          "the origin of coins sold by {subject}",
          "Coins authentic, 7th-8th century; fresh soil deposits."),
    Theme("saiga", _O.WILDLIFE, (_O.DUTY_EVASION,), CONTRABAND,
          "saiga antelope horns (CITES Appendix II)", ("050790",), "pieces", (50, 1200),
          (90.0, 400.0), ("road", "air"),
          "Saiga antelope horns smuggled {prep} {country}",
          "{quantity} of saiga antelope horns, a CITES Appendix II species, were hidden in a "
          "consignment of sheep wool declared by {company} at {place}. {person} organised the "
          "transport; no CITES permits were presented.",
          "CITES permits and the supply chain of horns handled by {subject}",
          "Horns identified as Saiga tatarica; no CITES permit."),
    Theme("falcons", _O.WILDLIFE, (_O.CULTURAL_PROPERTY,), CONTRABAND,
          "saker falcons", ("010631",), "specimens", (2, 30), (2000.0, 20000.0), ("air", "road"),
          "Saker falcons smuggled in hand luggage {prep} {country}",
          "{quantity} of sedated saker falcons were found in the luggage of {person} at "
          "{place}. Export documents from {company} describe them as captive-bred pigeons.",
          "the origin and buyers of falcons traded by {subject}",
          "Birds identified as Falco cherrug; no CITES documents."),
    Theme("cnc", _O.STRATEGIC_GOODS, (_O.ORIGIN_FRAUD,), STRATEGIC,
          "dual-use CNC machining centres", ("845710", "845811"), "units", (1, 12),
          (90000.0, 450000.0), ("sea", "rail"),
          "Dual-use CNC machines diverted {prep} {country}",
          "{company} exported {quantity} of five-axis CNC machining centres controlled as "
          "dual-use items, declaring {country} as the final destination. End-use checks at "
          "{place} indicate re-export to a sanctioned end user; {person} signed the end-user "
          "certificate.",
          "the end use and end user of machines exported to {subject}",
          "Machine control units show firmware licensed for five-axis simultaneous machining."),
    Theme("chips", _O.STRATEGIC_GOODS, (_O.MONEY_LAUNDERING,), STRATEGIC,
          "integrated circuits for drone guidance", ("854231", "8542310000"), "units",
          (5000, 200000), (3.0, 45.0), ("air",),
          "Export-controlled electronic components routed {prep} {country}",
          "{quantity} of microcontrollers and navigation chips bought by {company} were "
          "routed through {place}. The same items were later found in unmanned aerial vehicles; "
          "{person} is the beneficial owner of the buyer.",
          "the consignee and onward shipments of components bought by {subject}",
          "Part numbers match components recovered from unmanned aerial vehicles."),
    Theme("tbml_fruit", _O.MONEY_LAUNDERING, (_O.VALUATION_FRAUD,), FINANCE,
          "over-invoiced dried fruit", ("081310", "080620"), "kg", (20000, 200000),
          (1.5, 4.0), ("rail", "road"),
          "Trade-based money laundering through over-invoiced dried fruit {prep} {country}",
          "{company} invoiced {quantity} of dried fruit at {declared}, several times the market "
          "price ({actual}). Payments moved through accounts controlled by {person}; the goods "
          "passed {place}.",
          "the payments and the trading history of {subject}",
          "Invoice prices {percent} above market value for the same goods."),
    Theme("gold", _O.MONEY_LAUNDERING, (_O.DUTY_EVASION,), FINANCE, "gold bars and jewellery",
          ("710813", "711319"), "kg", (3, 80), (55000.0, 75000.0), ("air",),
          "Undeclared gold carried by couriers {prep} {country}",
          "Couriers recruited by {person} carried {weight} of gold through {place} without "
          "declaring it. Proceeds were paid to {company} as payment for goods never shipped.",
          "the beneficial owner and the accounts of {subject}",
          "Assay: 999.9 fine gold, refinery stamps removed."),
    Theme("cash", _O.TERRORISM_FINANCING, (_O.MONEY_LAUNDERING,), FINANCE,
          "undeclared currency", ("490700",), "USD", (40000, 600000), (1.0, 1.0), ("air", "road"),
          "Undeclared currency carried by a cash courier {prep} {country}",
          "{person} was stopped at {place} carrying {declared} in undeclared currency. Messages "
          "on the courier's phone link the cash to fundraising for a designated group through "
          "{company}.",
          "the origin and destination of funds carried for {subject}",
          "Banknotes in sealed bundles; ion scan negative."),
    Theme("charity", _O.TERRORISM_FINANCING, (_O.VALUATION_FRAUD,), FINANCE,
          "used clothing shipped by a charity front", ("630900",), "bales", (200, 3000),
          (20.0, 60.0), ("road", "rail"),
          "Charity shipments of used clothing used to move funds {prep} {country}",
          "{company}, registered as a charity, shipped {quantity} of used clothing through "
          "{place} while receiving payments far above their value. {person}, a director, is "
          "linked to a designated group.",
          "the donors, bank accounts and consignees of {subject}",
          "Declared value per bale {percent} above the market value of used clothing."),
    Theme("phones", _O.IPR, (_O.VALUATION_FRAUD,), TRADE, "counterfeit smartphones",
          ("851713", "8517130000"), "units", (500, 12000), (25.0, 90.0), ("air", "sea"),
          "Counterfeit smartphones bearing registered trade marks {prep} {country}",
          "{quantity} of smartphones bearing a registered trade mark were declared by {company} "
          "at {place} at {declared}. The right holder confirmed they are counterfeit.",
          "the supplier and buyers of phones handled by {subject}",
          "Right holder's examination: counterfeit; IMEI numbers not issued by the manufacturer."),
    Theme("brake_pads", _O.IPR, (_O.CLASSIFICATION_FRAUD,), TRADE,
          "counterfeit brake pads and filters", ("870830", "842123"), "pieces", (2000, 60000),
          (1.5, 8.0), ("sea", "road"),
          "Counterfeit auto parts {prep} {country}",
          "Brake pads and oil filters in branded packaging were declared by {company} at "
          "{place} as unbranded parts. {quantity} were seized; laboratory tests found "
          "friction material unsafe for road use.",
          "the manufacturer and distributors of parts supplied by {subject}",
          "Packaging counterfeit; friction material fails the braking standard."),
)
del _O

THEMES_BY_OFFENCE: dict[OffenceType, tuple[int, ...]] = {
    offence: tuple(i for i, theme in enumerate(THEMES) if theme.offence is offence)
    for offence in OffenceType
}

# How often each offence leads a case in each administration's caseload.
OFFENCE_WEIGHTS: dict[Administration, dict[OffenceType, int]] = {
    Administration.US: {
        OffenceType.DUTY_EVASION: 9, OffenceType.VALUATION_FRAUD: 14, OffenceType.ORIGIN_FRAUD: 12,
        OffenceType.CLASSIFICATION_FRAUD: 8, OffenceType.NARCOTICS: 11, OffenceType.WEAPONS: 6,
        OffenceType.CULTURAL_PROPERTY: 5, OffenceType.WILDLIFE: 4, OffenceType.STRATEGIC_GOODS: 9,
        OffenceType.MONEY_LAUNDERING: 8, OffenceType.TERRORISM_FINANCING: 3, OffenceType.IPR: 11,
    },
    Administration.UZ: {
        OffenceType.DUTY_EVASION: 16, OffenceType.VALUATION_FRAUD: 12, OffenceType.ORIGIN_FRAUD: 7,
        OffenceType.CLASSIFICATION_FRAUD: 7, OffenceType.NARCOTICS: 15, OffenceType.WEAPONS: 5,
        OffenceType.CULTURAL_PROPERTY: 6, OffenceType.WILDLIFE: 5, OffenceType.STRATEGIC_GOODS: 6,
        OffenceType.MONEY_LAUNDERING: 8, OffenceType.TERRORISM_FINANCING: 4, OffenceType.IPR: 9,
    },
}

_UZ_CODE = "Customs Code of the Republic of Uzbekistan"
_UZ_CRIMINAL = "Criminal Code of the Republic of Uzbekistan"
_UZ_ADMIN = "Code of Administrative Responsibility of the Republic of Uzbekistan"

LEGAL_PROVISIONS: dict[Administration, dict[OffenceType, tuple[str, ...]]] = {
    Administration.US: {
        OffenceType.DUTY_EVASION: ("19 U.S.C. § 1592", "18 U.S.C. § 545", "19 U.S.C. § 1595a"),
        OffenceType.VALUATION_FRAUD: ("19 U.S.C. § 1592", "19 U.S.C. § 1401a", "18 U.S.C. § 542"),
        OffenceType.ORIGIN_FRAUD: ("19 U.S.C. § 1592", "19 U.S.C. § 1304", "19 U.S.C. § 1517"),
        OffenceType.CLASSIFICATION_FRAUD: ("19 U.S.C. § 1592", "19 U.S.C. § 1484",
                                           "18 U.S.C. § 542"),
        OffenceType.NARCOTICS: ("21 U.S.C. § 952", "21 U.S.C. § 960", "19 U.S.C. § 1595a"),
        OffenceType.WEAPONS: ("22 U.S.C. § 2778", "18 U.S.C. § 554", "18 U.S.C. § 922"),
        OffenceType.CULTURAL_PROPERTY: ("19 U.S.C. § 2606", "18 U.S.C. § 545",
                                        "19 U.S.C. § 1595a"),
        OffenceType.WILDLIFE: ("16 U.S.C. § 3372", "16 U.S.C. § 1538", "18 U.S.C. § 545"),
        OffenceType.STRATEGIC_GOODS: ("50 U.S.C. § 4819", "18 U.S.C. § 554", "50 U.S.C. § 1705"),
        OffenceType.MONEY_LAUNDERING: ("18 U.S.C. § 1956", "18 U.S.C. § 1957", "31 U.S.C. § 5316"),
        OffenceType.TERRORISM_FINANCING: ("18 U.S.C. § 2339B", "18 U.S.C. § 2339C",
                                          "31 U.S.C. § 5332"),
        OffenceType.IPR: ("18 U.S.C. § 2320", "19 U.S.C. § 1526", "19 U.S.C. § 1595a"),
    },
    Administration.UZ: {
        OffenceType.DUTY_EVASION: (f"{_UZ_CODE}, Art. 231", f"{_UZ_CRIMINAL}, Art. 182 (smuggling)",
                                   f"{_UZ_ADMIN}, Art. 227 (customs violations)"),
        OffenceType.VALUATION_FRAUD: (f"{_UZ_CODE}, Art. 231",
                                      f"{_UZ_CODE}, Chapter 8 (customs value of goods)"),
        OffenceType.ORIGIN_FRAUD: (f"{_UZ_CODE}, Art. 231",
                                   f"{_UZ_CODE}, Chapter 6 (country of origin of goods)"),
        OffenceType.CLASSIFICATION_FRAUD: (f"{_UZ_CODE}, Art. 231",
                                           f"{_UZ_CODE}, Chapter 5 (classification of goods)"),
        OffenceType.NARCOTICS: (f"{_UZ_CRIMINAL}, Art. 273 (narcotics)",
                                f"{_UZ_CRIMINAL}, Art. 182 (smuggling)"),
        OffenceType.WEAPONS: (f"{_UZ_CRIMINAL}, Art. 182 (smuggling)",
                              f"{_UZ_CRIMINAL}, Art. 248 (illegal possession of weapons)"),
        OffenceType.CULTURAL_PROPERTY: (f"{_UZ_CRIMINAL}, Art. 182 (smuggling)",
                                        "Law on the Protection and Use of Objects of Cultural "
                                        "Heritage"),
        OffenceType.WILDLIFE: (f"{_UZ_CRIMINAL}, Art. 202 (protection of fauna)",
                               f"{_UZ_CRIMINAL}, Art. 182 (smuggling)"),
        OffenceType.STRATEGIC_GOODS: ("Law of the Republic of Uzbekistan on Export Control",
                                      f"{_UZ_CRIMINAL}, Art. 182 (smuggling)"),
        OffenceType.MONEY_LAUNDERING: (f"{_UZ_CRIMINAL}, Art. 243 (legalisation of proceeds of "
                                       "crime)", f"{_UZ_CODE}, Art. 231"),
        OffenceType.TERRORISM_FINANCING: (f"{_UZ_CRIMINAL}, Art. 155-3 (financing of terrorism)",
                                          f"{_UZ_CRIMINAL}, Art. 243 (legalisation of proceeds "
                                          "of crime)"),
        OffenceType.IPR: (f"{_UZ_CRIMINAL}, Art. 149 (infringement of intellectual property)",
                          f"{_UZ_CODE}, Art. 231"),
    },
}

# Where each administration meets the goods, by mode of transport.
PLACES: dict[Administration, dict[str, tuple[str, ...]]] = {
    Administration.US: {
        "sea": ("the Port of Newark", "the Port of Los Angeles", "the Port of Long Beach",
                "the Port of Houston", "the Port of Savannah", "the Port of Baltimore",
                "the Port of Seattle"),
        "air": ("JFK International Airport", "Chicago O'Hare International Airport",
                "Miami International Airport", "Dulles International Airport",
                "Los Angeles International Airport"),
        "road": ("the Port of Laredo", "the Otay Mesa port of entry", "the Port of Detroit"),
        "rail": ("the Port of Baltimore rail terminal", "the Port of Newark rail terminal"),
    },
    Administration.UZ: {
        "sea": ("the Chukursay container terminal", "the Tashkent-Tovarniy container terminal"),
        "air": ("Tashkent International Airport", "Navoi International Airport",
                "Samarkand International Airport"),
        "road": ("the Yallama customs post", "the Oybek customs post", "the Dostlik customs post",
                 "the Ayritom customs post", "the Olot customs post", "the Sariosiyo customs post"),
        "rail": ("the Keles railway customs post", "the Galaba railway customs post",
                 "the Khodjadavlet railway customs post", "the Tashkent-Tovarniy station"),
    },
}

# Counterpart countries of each administration's cases (the partner most of all).
COUNTERPARTS: dict[Administration, tuple[tuple[str, int], ...]] = {
    Administration.US: (("UZ", 40), ("CN", 14), ("TR", 9), ("AE", 8), ("KZ", 7), ("IN", 5),
                        ("RU", 5), ("GE", 3), ("LV", 3), ("PK", 3), ("AF", 3)),
    Administration.UZ: (("US", 28), ("CN", 14), ("RU", 11), ("KZ", 11), ("AF", 8), ("TR", 8),
                        ("TJ", 6), ("KG", 6), ("AE", 5), ("IN", 3)),
}
