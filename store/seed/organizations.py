"""Companies, vessels, aircraft, trucks and rail wagons of the synthetic world."""

from typing import NamedTuple


class UzbekWord(NamedTuple):
    latin: str
    cyrillic: str
    english: str


# Uzbek company names: <brand> <activity> <legal form>, e.g. Toshkent Tekstil MChJ.
UZ_BRANDS = (
    UzbekWord("Toshkent", "Тошкент", "Tashkent"), UzbekWord("Samarqand", "Самарқанд", "Samarkand"),
    UzbekWord("Buxoro", "Бухоро", "Bukhara"), UzbekWord("Farg'ona", "Фарғона", "Fergana"),
    UzbekWord("Andijon", "Андижон", "Andijan"), UzbekWord("Navoiy", "Навоий", "Navoi"),
    UzbekWord("Xorazm", "Хоразм", "Khorezm"), UzbekWord("Chirchiq", "Чирчиқ", "Chirchik"),
    UzbekWord("Ipak Yo'li", "Ипак Йўли", "Silk Road"), UzbekWord("Oltin Vodiy", "Олтин Водий",
                                                               "Golden Valley"),
    UzbekWord("Yangi Asr", "Янги Аср", "New Century"), UzbekWord("Baraka", "Барака", "Baraka"),
    UzbekWord("Sharq", "Шарқ", "Orient"), UzbekWord("Zarafshon", "Зарафшон", "Zarafshan"),
    UzbekWord("Turon", "Турон", "Turan"), UzbekWord("Nur", "Нур", "Nur"),
    UzbekWord("Kamalak", "Камалак", "Rainbow"), UzbekWord("Bunyodkor", "Бунёдкор", "Builder"),
)
UZ_ACTIVITIES = (
    UzbekWord("Tekstil", "Текстиль", "Textile"), UzbekWord("Paxta", "Пахта", "Cotton"),
    UzbekWord("Savdo", "Савдо", "Trading"), UzbekWord("Logistika", "Логистика", "Logistics"),
    UzbekWord("Trans", "Транс", "Trans"), UzbekWord("Agro", "Агро", "Agro"),
    UzbekWord("Meva-Sabzavot", "Мева-Сабзавот", "Fruit and Vegetable"),
    UzbekWord("Metall", "Металл", "Metal"), UzbekWord("Kimyo", "Кимё", "Chemical"),
    UzbekWord("Elektronika", "Электроника", "Electronics"),
    UzbekWord("Eksport", "Экспорт", "Export"), UzbekWord("Invest", "Инвест", "Invest"),
    UzbekWord("Mashinasozlik", "Машинасозлик", "Machine Building"),
    UzbekWord("Ipak", "Ипак", "Silk"), UzbekWord("Qurilish", "Қурилиш", "Construction"),
)
UZ_FORMS = (
    UzbekWord("MChJ", "МЧЖ", "LLC"), UzbekWord("MChJ", "МЧЖ", "LLC"),
    UzbekWord("MChJ", "МЧЖ", "LLC"), UzbekWord("AJ", "АЖ", "JSC"),
    UzbekWord("XK", "ХК", "Private Enterprise"), UzbekWord("QK", "ҚК", "Joint Venture"),
)

US_BRANDS = ("Atlantic", "Pacific Rim", "Great Lakes", "Lone Star", "Golden Gate", "Keystone",
             "Liberty", "Patriot", "Summit", "Meridian", "Harbor Point", "Bluewater", "Red River",
             "Cascade", "Empire State", "Gulf Coast", "Northstar", "Silverline", "Eagle",
             "Pioneer")
US_ACTIVITIES = ("Textile Imports", "Steel Supply", "Trading", "Logistics", "Electronics",
                 "Machinery", "Global Sourcing", "Apparel", "Metals", "Industrial Supply",
                 "Freight Forwarding", "Customs Brokerage", "Foods", "Auto Parts",
                 "Fine Arts", "Wholesale")
US_FORMS = ("LLC", "LLC", "Inc.", "Corp.", "Co.")

# Third-country companies: (country, pattern, brands, activities); pattern fills {brand} {activity}.
FOREIGN_COMPANIES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "CN": ("{brand} {activity} Co., Ltd.", ("Shenzhen Huaxin", "Yiwu Jinhua", "Urumqi Silk Road",
           "Ningbo Haitong", "Guangzhou Tianli", "Xiamen Hengda"),
           ("Electronics", "Trading", "Logistics", "Import & Export", "Textile", "Machinery")),
    "TR": ("{brand} {activity} San. ve Tic. A.Ş.", ("Anadolu", "Mersin", "Ege", "Bosphorus",
           "Karadeniz"), ("Tekstil", "Lojistik", "Gıda", "Metal", "Dış Ticaret")),
    "AE": ("{brand} {activity} FZE", ("Gulf Star", "Al Noor", "Desert Rose", "Falcon Bridge",
           "Blue Horizon"), ("General Trading", "Logistics", "Electronics Trading", "Gold")),
    "RU": ("OOO {brand} {activity}", ("Volga", "Sibir", "Ural", "Baltika", "Vostok"),
           ("Logistik", "Trans", "Treyd", "Import", "Metall")),
    "KZ": ("TOO {brand} {activity}", ("Step", "Altyn", "Kaspiy", "Saryarka"),
           ("Trans", "Logistik", "Treyd", "Agro")),
    "AF": ("{brand} {activity} Company", ("Herat", "Mazar", "Kabul", "Kandahar", "Balkh"),
           ("Dry Fruits", "Trading", "Carpets", "Transport")),
    "IN": ("{brand} {activity} Pvt. Ltd.", ("Mumbai", "Sunrise", "Ganga", "Deccan"),
           ("Pharma Exports", "Textiles", "Trading", "Engineering")),
    "LV": ("{brand} {activity} SIA", ("Baltic", "Daugava", "Riga"),
           ("Rail Forwarding", "Logistics", "Transit")),
    "GE": ("{brand} {activity} LLC", ("Poti", "Kolkheti", "Black Sea"),
           ("Transit", "Logistics", "Trading")),
    "KG": ("OsOO {brand} {activity}", ("Ala-Too", "Dordoi", "Issyk-Kul"),
           ("Trade", "Logistik", "Textil")),
    "TJ": ("OOO {brand} {activity}", ("Pamir", "Sughd", "Varzob"), ("Trade", "Trans", "Agro")),
    "PK": ("{brand} {activity} (Pvt) Ltd.", ("Indus", "Karachi", "Khyber"),
           ("Traders", "Logistics", "Textiles")),
}

VESSEL_PREFIXES = ("MSC", "MAERSK", "CMA CGM", "COSCO", "EVER", "ONE", "HMM", "YM", "")
VESSEL_WORDS = ("ALINA", "KENSINGTON", "AURORA", "CASPIAN PRIDE", "BALTIC TRADER", "AKTAU STAR",
                "GOLDEN HORIZON", "SILK ROUTE", "ORIENT EXPRESS", "NORDIC SPIRIT", "ATLANTIC DAWN",
                "PACIFIC JADE", "AMBER", "TITAN", "ZARAFSHAN", "NAVIGATOR", "HARMONY", "VICTORIA",
                "CONSTANTA", "POTI BRIDGE", "TURKMENBASHI")
VESSEL_TYPES = (("Container ship", (1800, 14000), "TEU"),
                ("General cargo ship", (3000, 12000), "dwt"),
                ("Ro-ro cargo ship", (2000, 9000), "lane metres"),
                ("Bulk carrier", (20000, 80000), "dwt"))
VESSEL_FLAGS = ("PA", "LR", "MH", "MT", "TR", "RU", "GE", "KZ", "AZ", "US", "CN", "SG")

AIRCRAFT = (
    ("Boeing 767-300F", "UK-", "UZ", "Uzbekistan Airways Cargo"),
    ("Boeing 747-400F", "N", "US", "Kalitta Air"), ("Boeing 777F", "N", "US", "Atlas Air"),
    ("Airbus A330-200F", "TC-", "TR", "Turkish Cargo"),
    ("Boeing 747-8F", "VQ-B", "RU", "AirBridgeCargo"),
    ("Boeing 777F", "A6-", "AE", "Emirates SkyCargo"),
    ("Airbus A300-600F", "4K-", "AZ", "Silk Way Airlines"),
    ("Boeing 757-200F", "N", "US", "FedEx Express"),
)

TRUCK_MAKERS = (
    ("DAF XF 480", "XLR"), ("Mercedes-Benz Actros 1845", "WDB"), ("Scania R 450", "YS2"),
    ("MAN TGX 18.510", "WMA"), ("Volvo FH 500", "YV2"), ("Freightliner Cascadia", "1FU"),
    ("Kenworth T680", "1XK"), ("Peterbilt 579", "1XP"), ("KAMAZ 5490", "XTC"),
    ("Isuzu Giga", "JAL"),
)
TRUCK_COUNTRIES = ("UZ", "UZ", "KZ", "TR", "RU", "TJ", "KG", "AF", "US")

RAILWAYS = (("UZ", "O'zbekiston temir yo'llari (UTY)"), ("KZ", "Kazakhstan Temir Zholy (KTZ)"),
            ("RU", "Russian Railways (RZD)"), ("LV", "Latvijas dzelzceļš (LDz)"))
WAGON_TYPES = ("covered wagon", "flat wagon with container", "hopper wagon", "tank wagon")
