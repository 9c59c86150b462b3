"""Names and addresses of the synthetic world, in the scripts each administration records them.

Uzbek names come as (Uzbek Latin, Uzbek Cyrillic, English spellings): the Uzbek store keeps the
first two, the US store one of the English spellings found in US files (Russian-style "zh",
"kh", "a" for Uzbek "o"). Some English spellings fold to the same `normalise_name` key as the
Uzbek one, some do not, as in real files.
"""

from typing import NamedTuple


class UzbekName(NamedTuple):
    latin: str
    cyrillic: str
    english: tuple[str, ...]


def _uz(latin: str, cyrillic: str, *english: str) -> UzbekName:
    return UzbekName(latin, cyrillic, english or (latin.replace("'", ""),))


UZ_MALE = (
    _uz("Shavkat", "Шавкат"), _uz("Jasur", "Жасур", "Zhasur", "Jasur"),
    _uz("Jamshid", "Жамшид", "Dzhamshid", "Jamshid"), _uz("Sherzod", "Шерзод"),
    _uz("Otabek", "Отабек"), _uz("Bobur", "Бобур", "Babur", "Bobur"), _uz("Rustam", "Рустам"),
    _uz("Ulug'bek", "Улуғбек", "Ulugbek"), _uz("Akmal", "Акмал"), _uz("Dilshod", "Дилшод"),
    _uz("Farrux", "Фаррух", "Farrukh"), _uz("Xurshid", "Хуршид", "Khurshid"),
    _uz("Bahodir", "Баҳодир", "Bakhodir"), _uz("Nodir", "Нодир", "Nodir", "Nadir"),
    _uz("Sardor", "Сардор", "Sardor", "Sardar"), _uz("Anvar", "Анвар"), _uz("Ravshan", "Равшан"),
    _uz("Sanjar", "Санжар", "Sanzhar"), _uz("Islom", "Ислом", "Islam"),
    _uz("Temur", "Темур", "Timur", "Temur"), _uz("O'tkir", "Ўткир", "Utkir"),
    _uz("G'ayrat", "Ғайрат", "Gayrat", "Gairat"), _uz("Ibrohim", "Иброҳим", "Ibragim", "Ibrokhim"),
    _uz("Abdulla", "Абдулла"), _uz("Zafar", "Зафар"), _uz("Javlon", "Жавлон", "Zhavlon"),
    _uz("Eldor", "Элдор"), _uz("Aziz", "Азиз"), _uz("Oybek", "Ойбек", "Oybek", "Aibek"),
)
UZ_FEMALE = (
    _uz("Dilnoza", "Дилноза", "Dilnoza", "Dilnaza"), _uz("Gulnora", "Гулнора", "Gulnara"),
    _uz("Nilufar", "Нилуфар"), _uz("Madina", "Мадина"), _uz("Malika", "Малика"),
    _uz("Shahnoza", "Шаҳноза", "Shakhnoza"), _uz("Zarina", "Зарина"), _uz("Feruza", "Феруза"),
    _uz("Nigora", "Нигора", "Nigora", "Nigara"), _uz("Sevara", "Севара"), _uz("Kamola", "Камола"),
    _uz("Mohira", "Моҳира", "Mokhira"), _uz("Yulduz", "Юлдуз"), _uz("Dildora", "Дилдора"),
    _uz("O'g'iloy", "Ўғилой", "Ugiloy"), _uz("Xurshida", "Хуршида", "Khurshida"),
)
# Surnames in the male form; the female form adds "a" (Karimov / Karimova).
UZ_SURNAMES = (
    _uz("Jo'rayev", "Жўраев", "Zhuraev", "Djuraev"), _uz("Karimov", "Каримов"),
    _uz("Rahimov", "Раҳимов", "Rakhimov", "Rahimov"), _uz("Toshmatov", "Тошматов", "Tashmatov"),
    _uz("Xolmatov", "Холматов", "Kholmatov"), _uz("Yusupov", "Юсупов"),
    _uz("Usmonov", "Усмонов", "Usmanov"), _uz("Abdullayev", "Абдуллаев", "Abdullaev"),
    _uz("Ergashev", "Эргашев"), _uz("Mirzayev", "Мирзаев", "Mirzaev"), _uz("Nazarov", "Назаров"),
    _uz("Qodirov", "Қодиров", "Kadirov", "Kadyrov"), _uz("Sobirov", "Собиров", "Sabirov"),
    _uz("To'xtayev", "Тўхтаев", "Tukhtaev"), _uz("G'ulomov", "Ғуломов", "Gulyamov", "Gulomov"),
    _uz("Ismoilov", "Исмоилов", "Ismailov"), _uz("Murodov", "Муродов", "Muradov"),
    _uz("Hasanov", "Ҳасанов", "Khasanov", "Hasanov"), _uz("Sultonov", "Султонов", "Sultanov"),
    _uz("Normatov", "Норматов"), _uz("Umarov", "Умаров"), _uz("Saidov", "Саидов"),
    _uz("Yo'ldoshev", "Йўлдошев", "Yuldashev"), _uz("Qurbonov", "Қурбонов", "Kurbanov"),
    _uz("Aliyev", "Алиев", "Aliev"), _uz("Tursunov", "Турсунов"),
    _uz("Haydarov", "Ҳайдаров", "Khaydarov", "Haydarov"), _uz("Ahmedov", "Аҳмедов", "Akhmedov"),
)


class ForeignNames(NamedTuple):
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    # Cyrillic spellings for Cyrillic-script countries, in the same order as the Latin lists.
    male_cyrillic: tuple[str, ...] = ()
    female_cyrillic: tuple[str, ...] = ()
    surnames_cyrillic: tuple[str, ...] = ()
    surname_first: bool = False
    female_suffix: str = ""


FOREIGN_NAMES: dict[str, ForeignNames] = {
    "US": ForeignNames(
        ("John", "Michael", "David", "Robert", "James", "William", "Daniel", "Matthew",
         "Christopher", "Anthony", "Carlos", "Luis", "Jose", "Kevin", "Brian"),
        ("Jennifer", "Maria", "Jessica", "Sarah", "Laura", "Emily", "Ana", "Sofia", "Rachel"),
        ("Miller", "Smith", "Johnson", "Williams", "Brown", "Davis", "Garcia", "Rodriguez",
         "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore",
         "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
         "Young", "Allen", "King", "Wright", "Scott", "Nguyen", "Kim", "Patel"),
    ),
    "RU": ForeignNames(
        ("Aleksey", "Dmitriy", "Sergey", "Andrey", "Igor", "Vladimir", "Nikolay"),
        ("Olga", "Natalya", "Elena", "Irina", "Svetlana"),
        ("Ivanov", "Petrov", "Smirnov", "Kuznetsov", "Volkov", "Sokolov", "Popov", "Morozov"),
        ("Алексей", "Дмитрий", "Сергей", "Андрей", "Игорь", "Владимир", "Николай"),
        ("Ольга", "Наталья", "Елена", "Ирина", "Светлана"),
        ("Иванов", "Петров", "Смирнов", "Кузнецов", "Волков", "Соколов", "Попов", "Морозов"),
        surname_first=True, female_suffix="a",
    ),
    "KZ": ForeignNames(
        ("Nurlan", "Askar", "Yerlan", "Daniyar", "Serik"), ("Aigerim", "Dana", "Gulmira"),
        ("Nurpeisov", "Abenov", "Suleimenov", "Zhaksybekov", "Bekov"),
        ("Нурлан", "Аскар", "Ерлан", "Данияр", "Серик"), ("Айгерим", "Дана", "Гульмира"),
        ("Нурпеисов", "Абенов", "Сулейменов", "Жаксыбеков", "Беков"),
        surname_first=True, female_suffix="a",
    ),
    "TJ": ForeignNames(
        ("Firuz", "Daler", "Parviz", "Sukhrob"), ("Manizha", "Tahmina"),
        ("Rahmonov", "Sharipov", "Nazarov", "Saidov"),
        ("Фируз", "Далер", "Парвиз", "Сухроб"), ("Манижа", "Тахмина"),
        ("Рахмонов", "Шарипов", "Назаров", "Саидов"),
        surname_first=True, female_suffix="a",
    ),
    "KG": ForeignNames(
        ("Azamat", "Bakyt", "Nurbek", "Talant"), ("Aizada", "Cholpon"),
        ("Sadyrov", "Toktogulov", "Osmonov", "Asanov"),
        ("Азамат", "Бакыт", "Нурбек", "Талант"), ("Айзада", "Чолпон"),
        ("Садыров", "Токтогулов", "Осмонов", "Асанов"),
        surname_first=True, female_suffix="a",
    ),
    "AF": ForeignNames(
        ("Ahmad", "Mohammad", "Abdul Rahim", "Gulbuddin", "Hamid"), ("Fatima", "Zahra"),
        ("Karimi", "Ahmadzai", "Popal", "Noorzai", "Rahimi", "Hotak"),
    ),
    "TR": ForeignNames(
        ("Mehmet", "Ahmet", "Mustafa", "Emre", "Burak"), ("Ayşe", "Elif", "Zeynep"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın"),
    ),
    "CN": ForeignNames(
        ("Wei", "Jun", "Lei", "Qiang", "Hao"), ("Fang", "Min", "Jing"),
        ("Zhang", "Wang", "Li", "Liu", "Chen", "Zhao"), surname_first=True,
    ),
    "AE": ForeignNames(
        ("Khalid", "Omar", "Saeed", "Rashid"), ("Mariam", "Noura"),
        ("Al Mansouri", "Al Hashimi", "Al Falasi", "Al Suwaidi"),
    ),
    "IN": ForeignNames(
        ("Rajesh", "Amit", "Vikram", "Sanjay"), ("Priya", "Anjali"),
        ("Sharma", "Gupta", "Singh", "Mehta", "Reddy"),
    ),
    "PK": ForeignNames(("Imran", "Faisal", "Asif", "Tariq"), ("Ayesha", "Sana"),
                       ("Khan", "Qureshi", "Malik", "Chaudhry")),
    "AZ": ForeignNames(("Elchin", "Rashad", "Orkhan"), ("Leyla", "Aynur"),
                       ("Aliyev", "Mammadov", "Huseynov", "Hasanov")),
    "GE": ForeignNames(("Giorgi", "Levan", "Davit"), ("Nino", "Tamar"),
                       ("Beridze", "Kapanadze", "Gelashvili", "Lomidze")),
    "DE": ForeignNames(("Thomas", "Stefan", "Jörg"), ("Katrin", "Sabine"),
                       ("Müller", "Schmidt", "Weber", "Becker")),
    "LV": ForeignNames(("Andris", "Jānis", "Māris"), ("Inese", "Ilze"),
                       ("Bērziņš", "Kalniņš", "Ozols", "Liepa")),
}

COUNTRY_NAMES = {
    "US": "the United States", "UZ": "Uzbekistan", "RU": "Russia", "KZ": "Kazakhstan",
    "TJ": "Tajikistan", "KG": "Kyrgyzstan", "AF": "Afghanistan", "TR": "Türkiye",
    "CN": "China", "AE": "the United Arab Emirates", "IN": "India", "PK": "Pakistan",
    "AZ": "Azerbaijan", "GE": "Georgia", "DE": "Germany", "LV": "Latvia", "TM": "Turkmenistan",
    "IR": "Iran", "PA": "Panama", "LR": "Liberia", "MH": "the Marshall Islands", "MT": "Malta",
    "SG": "Singapore", "VN": "Vietnam", "HK": "Hong Kong",
}
NATIONALITY = {
    "US": "US", "UZ": "Uzbek", "RU": "Russian", "KZ": "Kazakh", "TJ": "Tajik", "KG": "Kyrgyz",
    "AF": "Afghan", "TR": "Turkish", "CN": "Chinese", "AE": "Emirati", "IN": "Indian",
    "PK": "Pakistani", "AZ": "Azerbaijani", "GE": "Georgian", "DE": "German", "LV": "Latvian",
}

OCCUPATIONS = (
    "company director", "freight forwarder", "truck driver", "customs broker", "sole trader",
    "bookkeeper", "wholesale trader", "logistics manager", "market stall holder",
    "air passenger", "courier", "shipping agent", "antiques dealer", "bank clerk",
)

# --- addresses ----------------------------------------------------------------------------------


class UzbekPlace(NamedTuple):
    city_latin: str
    city_cyrillic: str
    city_english: str
    districts: tuple[tuple[str, str], ...]  # (Uzbek Latin, English)


UZ_CITIES = (
    UzbekPlace("Toshkent", "Тошкент", "Tashkent", (("Chilonzor", "Chilanzar"),
               ("Yunusobod", "Yunusabad"), ("Mirzo Ulug'bek", "Mirzo Ulugbek"),
               ("Yakkasaroy", "Yakkasaray"), ("Sergeli", "Sergeli"), ("Olmazor", "Almazar"))),
    UzbekPlace("Samarqand", "Самарқанд", "Samarkand", (("Bog'ishamol", "Bagishamal"),
               ("Siyob", "Siab"))),
    UzbekPlace("Buxoro", "Бухоро", "Bukhara", (("Markaz", "Central"), ("Fayzobod", "Fayzabad"))),
    UzbekPlace("Farg'ona", "Фарғона", "Fergana", (("Markaz", "Central"), ("Qirguli", "Kirguli"))),
    UzbekPlace("Andijon", "Андижон", "Andijan", (("Bog'ishamol", "Bagishamal"),)),
    UzbekPlace("Namangan", "Наманган", "Namangan", (("Davlatobod", "Davlatabad"),)),
    UzbekPlace("Qarshi", "Қарши", "Karshi", (("Nasaf", "Nasaf"),)),
    UzbekPlace("Termiz", "Термиз", "Termez", (("Markaz", "Central"),)),
    UzbekPlace("Nukus", "Нукус", "Nukus", (("Markaz", "Central"),)),
    UzbekPlace("Navoiy", "Навоий", "Navoi", (("Karmana", "Karmana"),)),
)
UZ_STREETS = (
    ("Amir Temur", "Amir Timur"), ("Bunyodkor", "Bunyodkor"), ("Navoiy", "Navoi"),
    ("Mustaqillik", "Mustakillik"), ("Bobur", "Babur"), ("Shota Rustaveli", "Shota Rustaveli"),
    ("Farobiy", "Farabi"), ("Beruniy", "Beruni"), ("Ipak Yo'li", "Ipak Yuli"),
    ("Mirobod", "Mirabad"), ("Qatortol", "Katartal"), ("Bog'bon", "Bagbon"),
)
US_CITIES = (
    ("Elizabeth", "NJ", "07201"), ("Newark", "NJ", "07105"), ("Brooklyn", "NY", "11232"),
    ("Jamaica", "NY", "11430"), ("Houston", "TX", "77029"), ("Laredo", "TX", "78045"),
    ("Los Angeles", "CA", "90058"), ("Long Beach", "CA", "90813"), ("Miami", "FL", "33166"),
    ("Doral", "FL", "33172"), ("Chicago", "IL", "60638"), ("Savannah", "GA", "31408"),
    ("Baltimore", "MD", "21224"), ("Seattle", "WA", "98108"), ("Philadelphia", "PA", "19148"),
)
US_STREETS = ("Industrial Pkwy", "Commerce St", "Port Ave", "Warehouse Rd", "Harbor Blvd",
              "Logistics Dr", "Main St", "Airport Rd", "Trade Center Way", "Elm St", "Oak Ave",
              "Bay St", "Market St", "Distribution Way")
FOREIGN_ADDRESSES = {
    "RU": ("ul. Tverskaya {n}, Moscow, Russia", "Ligovsky pr. {n}, St Petersburg, Russia",
           "ul. Lenina {n}, Novosibirsk, Russia"),
    "KZ": ("Abay Ave {n}, Almaty, Kazakhstan", "Kabanbay Batyr Ave {n}, Astana, Kazakhstan",
           "Tauke Khan Ave {n}, Shymkent, Kazakhstan"),
    "TJ": ("Rudaki Ave {n}, Dushanbe, Tajikistan", "Lenin St {n}, Khujand, Tajikistan"),
    "KG": ("Chui Ave {n}, Bishkek, Kyrgyzstan", "Kurmanjan Datka St {n}, Osh, Kyrgyzstan"),
    "AF": ("Darulaman Rd {n}, Kabul, Afghanistan", "Balkh St {n}, Mazar-i-Sharif, Afghanistan",
           "Bagh-e Azadi Rd {n}, Herat, Afghanistan"),
    "TR": ("Atatürk Cad. No. {n}, Mersin, Türkiye", "Merkez Mah. {n}, Istanbul, Türkiye",
           "Organize Sanayi Bölgesi {n}, Bursa, Türkiye"),
    "CN": ("No. {n} Huaqiang North Rd, Shenzhen, China", "No. {n} Futian Rd, Yiwu, China",
           "No. {n} Youhao South Rd, Urumqi, China"),
    "AE": ("Warehouse {n}, Jebel Ali Free Zone, Dubai, UAE", "Office {n}, Deira, Dubai, UAE",
           "Unit {n}, SAIF Zone, Sharjah, UAE"),
    "IN": ("{n} MIDC Industrial Area, Mumbai, India", "{n} Okhla Phase II, New Delhi, India"),
    "PK": ("{n} Shahrah-e-Faisal, Karachi, Pakistan", "{n} Mall Rd, Lahore, Pakistan"),
    "AZ": ("{n} Neftchilar Ave, Baku, Azerbaijan",),
    "GE": ("{n} Davit Aghmashenebeli St, Poti, Georgia", "{n} Rustaveli Ave, Tbilisi, Georgia"),
    "DE": ("Hafenstraße {n}, Hamburg, Germany", "Industriestraße {n}, Frankfurt, Germany"),
    "LV": ("Eksporta iela {n}, Riga, Latvia", "Krasta iela {n}, Riga, Latvia"),
}
