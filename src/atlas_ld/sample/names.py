"""The real names the invented partnerships are drawn from.

French authorities are grouped by région (as of the 2016 reform, with the régions each one merged),
so that a partnership's départements, communes and métropoles, its water agency and its regional
network of international solidarity lie in the same part of France. Foreign authorities are real
ones, in the country the Atlas files them under, with the French diplomatic post that follows
them. People are invented, but their names fit the country they work in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Named:
    """An authority as the Atlas names it, and the place it stands for (`Ville du Havre`,
    `Le Havre`): titles, twinning committees and beneficiaries name the place."""

    name: str
    place: str


@dataclass(frozen=True, slots=True)
class FrenchRegion:
    council: Named
    before_2016: tuple[str, ...]  # councils of the régions merged into this one
    water: str  # the water agency (or office) that funds 1% Eau projects there
    network: str | None  # the regional network of international solidarity
    authorities: tuple[Named, ...]  # départements, communes, intercommunalités


@dataclass(frozen=True, slots=True)
class Country:
    name: str  # as the Atlas writes it (the parser's country list knows it)
    embassy: str
    people: str  # key of PEOPLE
    mail_domain: str  # where local authorities' addresses end
    authorities: tuple[Named, ...]
    consulates: tuple[tuple[str, str], ...] = ()  # (place of an authority, consulate's name)


def _n(*pairs: str) -> tuple[Named, ...]:
    """Named authorities from name, place, name, place..."""
    return tuple(Named(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2))


FRENCH_REGIONS = (
    FrenchRegion(
        Named("Conseil régional de Bretagne", "Bretagne"),
        (),
        "Agence de l'eau Loire-Bretagne",
        "Réseau Bretagne Solidaire",
        _n(
            "Conseil départemental du Finistère", "Finistère",
            "Conseil départemental d'Ille-et-Vilaine", "Ille-et-Vilaine",
            "Conseil départemental des Côtes-d'Armor", "Côtes-d'Armor",
            "Conseil départemental du Morbihan", "Morbihan",
            "Ville de Rennes", "Rennes",
            "Rennes Métropole", "Rennes",
            "Ville de Brest", "Brest",
            "Ville de Lorient", "Lorient",
            "Ville de Quimper", "Quimper",
        ),
    ),
    FrenchRegion(
        Named("Conseil régional de la Nouvelle-Aquitaine", "Nouvelle-Aquitaine"),
        (
            "Conseil régional d'Aquitaine",
            "Conseil régional de Poitou-Charentes",
            "Conseil régional du Limousin",
        ),
        "Agence de l'eau Adour-Garonne",
        "SO Coopération",
        _n(
            "Conseil départemental de la Gironde", "Gironde",
            "Conseil départemental des Pyrénées-Atlantiques", "Pyrénées-Atlantiques",
            "Conseil départemental de la Haute-Vienne", "Haute-Vienne",
            "Conseil départemental des Deux-Sèvres", "Deux-Sèvres",
            "Bordeaux Métropole", "Bordeaux",
            "Ville de Bordeaux", "Bordeaux",
            "Ville de Poitiers", "Poitiers",
            "Ville de Limoges", "Limoges",
            "Ville de La Rochelle", "La Rochelle",
        ),
    ),
    FrenchRegion(
        Named("Conseil régional d'Occitanie", "Occitanie"),
        ("Conseil régional de Midi-Pyrénées", "Conseil régional du Languedoc-Roussillon"),
        "Agence de l'eau Adour-Garonne",
        "Occitanie Coopération",
        _n(
            "Conseil départemental de l'Hérault", "Hérault",
            "Conseil départemental de la Haute-Garonne", "Haute-Garonne",
            "Conseil départemental du Gers", "Gers",
            "Toulouse Métropole", "Toulouse",
            "Ville de Toulouse", "Toulouse",
            "Ville de Montpellier", "Montpellier",
            "Montpellier Méditerranée Métropole", "Montpellier",
            "Ville de Figeac", "Figeac",
        ),
    ),
    FrenchRegion(
        Named("Conseil régional du Grand Est", "Grand Est"),
        (
            "Conseil régional d'Alsace",
            "Conseil régional de Lorraine",
            "Conseil régional de Champagne-Ardenne",
        ),
        "Agence de l'eau Rhin-Meuse",
        "GESCOD",
        _n(
            "Conseil départemental de la Moselle", "Moselle",
            "Conseil départemental du Bas-Rhin", "Bas-Rhin",
            "Conseil départemental de la Marne", "Marne",
            "Eurométropole de Strasbourg", "Strasbourg",
            "Ville de Strasbourg", "Strasbourg",
            "Ville de Nancy", "Nancy",
            "Ville de Metz", "Metz",
            "Ville de Mulhouse", "Mulhouse",
        ),
    ),
    FrenchRegion(
        Named("Conseil régional des Hauts-de-France", "Hauts-de-France"),
        ("Conseil régional du Nord-Pas-de-Calais", "Conseil régional de Picardie"),
        "Agence de l'eau Artois-Picardie",
        "Lianes Coopération",
        _n(
            "Conseil départemental du Nord", "Nord",
            "Conseil départemental du Pas-de-Calais", "Pas-de-Calais",
            "Conseil départemental de la Somme", "Somme",
            "Métropole Européenne de Lille", "Lille",
            "Ville de Lille", "Lille",
            "Communauté urbaine de Dunkerque", "Dunkerque",
            "Ville d'Amiens", "Amiens",
            "Ville de Roubaix", "Roubaix",
        ),
    ),
    FrenchRegion(
        Named("Conseil régional de Normandie", "Normandie"),
        ("Conseil régional de Basse-Normandie", "Conseil régional de Haute-Normandie"),
        "Agence de l'eau Seine-Normandie",
        "Horizons Solidaires",
        _n(
            "Conseil départemental de la Manche", "Manche",
            "Conseil départemental du Calvados", "Calvados",
            "Conseil départemental de la Seine-Maritime", "Seine-Maritime",
            "Ville de Caen", "Caen",
            "Ville de Rouen", "Rouen",
            "Métropole Rouen Normandie", "Rouen",
            "Ville du Havre", "Le Havre",
            "Ville de Dieppe", "Dieppe",
        ),
    ),
    FrenchRegion(
        Named("Conseil régional d'Auvergne-Rhône-Alpes", "Auvergne-Rhône-Alpes"),
        ("Conseil régional de Rhône-Alpes", "Conseil régional d'Auvergne"),
        "Agence de l'eau Rhône Méditerranée Corse",
        "RESACOOP",
        _n(
            "Conseil départemental de l'Isère", "Isère",
            "Conseil départemental de la Savoie", "Savoie",
            "Conseil départemental du Puy-de-Dôme", "Puy-de-Dôme",
            "Conseil départemental de la Drôme", "Drôme",
            "Métropole de Lyon", "Lyon",
            "Ville de Lyon", "Lyon",
            "Ville de Grenoble", "Grenoble",
            "Grenoble-Alpes Métropole", "Grenoble",
            "Ville de Chambéry", "Chambéry",
            "Ville d'Annecy", "Annecy",
            "Ville de Villeurbanne", "Villeurbanne",
        ),
    ),
    FrenchRegion(
        Named("Conseil régional de Bourgogne-Franche-Comté", "Bourgogne-Franche-Comté"),
        ("Conseil régional de Bourgogne", "Conseil régional de Franche-Comté"),
        "Agence de l'eau Rhône Méditerranée Corse",
        "Bourgogne-Franche-Comté International",
        _n(
            "Conseil départemental du Doubs", "Doubs",
            "Conseil départemental de la Côte-d'Or", "Côte-d'Or",
            "Conseil départemental de la Nièvre", "Nièvre",
            "Ville de Besançon", "Besançon",
            "Ville de Dijon", "Dijon",
            "Dijon Métropole", "Dijon",
            "Ville de Belfort", "Belfort",
        ),
    ),
    FrenchRegion(
        Named("Conseil régional des Pays de la Loire", "Pays de la Loire"),
        (),
        "Agence de l'eau Loire-Bretagne",
        "Pays de la Loire Coopération Internationale",
        _n(
            "Conseil départemental de la Loire-Atlantique", "Loire-Atlantique",
            "Conseil départemental de Maine-et-Loire", "Maine-et-Loire",
            "Conseil départemental de la Sarthe", "Sarthe",
            "Conseil départemental de la Mayenne", "Mayenne",
            "Nantes Métropole", "Nantes",
            "Ville de Nantes", "Nantes",
            "Ville d'Angers", "Angers",
            "Ville du Mans", "Le Mans",
            "Ville de Saint-Nazaire", "Saint-Nazaire",
        ),
    ),
    FrenchRegion(
        Named("Conseil régional d'Île-de-France", "Île-de-France"),
        (),
        "Agence de l'eau Seine-Normandie",
        None,
        _n(
            "Conseil départemental de la Seine-Saint-Denis", "Seine-Saint-Denis",
            "Conseil départemental du Val-de-Marne", "Val-de-Marne",
            "Conseil départemental de l'Essonne", "Essonne",
            "Conseil départemental des Hauts-de-Seine", "Hauts-de-Seine",
            "Conseil départemental du Val-d'Oise", "Val-d'Oise",
            "Ville de Paris", "Paris",
            "Ville de Montreuil", "Montreuil",
            "Ville d'Ivry-sur-Seine", "Ivry-sur-Seine",
            "Ville de Cergy", "Cergy",
            "Communauté d'agglomération de Cergy-Pontoise", "Cergy-Pontoise",
            "Ville d'Aubervilliers", "Aubervilliers",
        ),
    ),
    FrenchRegion(
        Named("Conseil régional du Centre-Val de Loire", "Centre-Val de Loire"),
        (),
        "Agence de l'eau Loire-Bretagne",
        "Centraider",
        _n(
            "Conseil départemental d'Indre-et-Loire", "Indre-et-Loire",
            "Conseil départemental du Loiret", "Loiret",
            "Conseil départemental du Cher", "Cher",
            "Ville de Tours", "Tours",
            "Ville d'Orléans", "Orléans",
            "Ville de Blois", "Blois",
            "Ville de Bourges", "Bourges",
        ),
    ),
    FrenchRegion(
        Named("Conseil régional de Provence-Alpes-Côte d'Azur", "Provence-Alpes-Côte d'Azur"),
        (),
        "Agence de l'eau Rhône Méditerranée Corse",
        "Territoires Solidaires",
        _n(
            "Conseil départemental des Bouches-du-Rhône", "Bouches-du-Rhône",
            "Conseil départemental des Alpes-Maritimes", "Alpes-Maritimes",
            "Conseil départemental du Var", "Var",
            "Ville de Marseille", "Marseille",
            "Ville de Nice", "Nice",
            "Métropole Nice Côte d'Azur", "Nice",
            "Ville d'Aix-en-Provence", "Aix-en-Provence",
            "Ville d'Avignon", "Avignon",
        ),
    ),
    FrenchRegion(
        Named("Conseil régional de La Réunion", "La Réunion"),
        (),
        "Office de l'eau Réunion",
        None,
        _n(
            "Conseil départemental de La Réunion", "La Réunion",
            "Ville de Saint-Paul", "Saint-Paul",
            "Ville de Saint-Pierre", "Saint-Pierre",
            "Ville du Port", "Le Port",
        ),
    ),
    FrenchRegion(
        Named("Conseil régional de la Guadeloupe", "Guadeloupe"),
        (),
        "Office de l'eau Guadeloupe",
        None,
        _n(
            "Conseil départemental de la Guadeloupe", "Guadeloupe",
            "Ville de Pointe-à-Pitre", "Pointe-à-Pitre",
            "Ville des Abymes", "Les Abymes",
        ),
    ),
)  # fmt: skip

COUNTRIES = (
    Country(
        "Sénégal", "Ambassade de France au Sénégal", "senegal", "gmail.com",
        _n(
            "Région de Ziguinchor", "Ziguinchor",
            "Commune de Ziguinchor", "Ziguinchor",
            "Région de Saint-Louis", "Saint-Louis",
            "Ville de Saint-Louis", "Saint-Louis",
            "Département de Podor", "Podor",
            "Département de Bignona", "Bignona",
            "Commune de Rufisque", "Rufisque",
            "Ville de Dakar", "Dakar",
        ),
    ),
    Country(
        "Burkina Faso", "Ambassade de France au Burkina Faso", "burkina", "yahoo.fr",
        _n(
            "Commune de Ouahigouya", "Ouahigouya",
            "Commune de Kaya", "Kaya",
            "Commune de Koudougou", "Koudougou",
            "Commune de Bobo-Dioulasso", "Bobo-Dioulasso",
            "Région du Centre-Nord", "Centre-Nord",
            "Région des Hauts-Bassins", "Hauts-Bassins",
        ),
    ),
    Country(
        "Mali", "Ambassade de France au Mali", "mali", "yahoo.fr",
        _n(
            "Région de Mopti", "Mopti",
            "Cercle de Kayes", "Kayes",
            "Commune de Ségou", "Ségou",
            "Commune de Douentza", "Douentza",
            "Commune de Kita", "Kita",
        ),
    ),
    Country(
        "Madagascar", "Ambassade de France à Madagascar", "madagascar", "moov.mg",
        _n(
            "Région Haute Matsiatra", "Haute Matsiatra",
            "Région Analamanga", "Analamanga",
            "Région Atsinanana", "Atsinanana",
            "Commune urbaine de Fianarantsoa", "Fianarantsoa",
            "Commune urbaine d'Antsirabe", "Antsirabe",
        ),
        (("Antsirabe", "Ambassade de France à Madagascar"),),
    ),
    Country(
        "Vietnam", "Ambassade de France au Vietnam", "vietnam", "gmail.com",
        _n(
            "Province de Thua Thien Hué", "Hué",
            "Ville de Hué", "Hué",
            "Province de Lao Cai", "Lao Cai",
            "Comité populaire de Hanoï", "Hanoï",
            "Province de Quang Nam", "Quang Nam",
            "Comité populaire de Hô-Chi-Minh-Ville", "Hô-Chi-Minh-Ville",
        ),
        (("Hô-Chi-Minh-Ville", "Consulat général de France à Hô-Chi-Minh-Ville"),),
    ),
    Country(
        "Maroc", "Ambassade de France au Maroc", "maghreb", "gmail.com",
        _n(
            "Région de l'Oriental", "Oriental",
            "Région Souss-Massa", "Souss-Massa",
            "Commune d'Agadir", "Agadir",
            "Commune de Chefchaouen", "Chefchaouen",
            "Commune de Fès", "Fès",
            "Commune d'Essaouira", "Essaouira",
        ),
        (
            ("Agadir", "Consulat général de France à Agadir"),
            ("Souss-Massa", "Consulat général de France à Agadir"),
            ("Fès", "Consulat général de France à Fès"),
        ),
    ),
    Country(
        "Algérie", "Ambassade de France en Algérie", "maghreb", "gmail.com",
        _n(
            "Commune de Sétif", "Sétif",
            "Wilaya de Tlemcen", "Tlemcen",
            "Commune d'Oran", "Oran",
            "Commune de Béjaïa", "Béjaïa",
        ),
        (
            ("Oran", "Consulat général de France à Oran"),
            ("Tlemcen", "Consulat général de France à Oran"),
        ),
    ),
    Country(
        "Tunisie", "Ambassade de France en Tunisie", "maghreb", "topnet.tn",
        _n(
            "Municipalité de Sfax", "Sfax",
            "Municipalité de Monastir", "Monastir",
            "Municipalité de Kairouan", "Kairouan",
            "Municipalité de Tozeur", "Tozeur",
        ),
    ),
    Country(
        "Liban", "Ambassade de France au Liban", "levant", "idm.net.lb",
        _n(
            "Union des municipalités du Kesrouan-Ftouh", "Kesrouan",
            "Municipalité de Tripoli", "Tripoli",
            "Municipalité de Byblos", "Byblos",
            "Municipalité de Zahlé", "Zahlé",
        ),
    ),
    Country(
        "Territoires palestiniens", "Consulat général de France à Jérusalem", "levant", "gmail.com",
        _n(
            "Municipalité de Naplouse", "Naplouse",
            "Municipalité d'Hébron", "Hébron",
            "Municipalité de Bethléem", "Bethléem",
            "Municipalité de Jéricho", "Jéricho",
        ),
    ),
    Country(
        "Canada", "Ambassade de France au Canada", "quebec", "videotron.ca",
        _n(
            "Province du Québec", "Québec",
            "Ville de Montréal", "Montréal",
            "Ville de Québec", "Québec",
            "Ville de Sherbrooke", "Sherbrooke",
        ),
        (
            ("Québec", "Consulat général de France à Québec"),
            ("Sherbrooke", "Consulat général de France à Québec"),
            ("Montréal", "Consulat général de France à Montréal"),
        ),
    ),
    Country(
        "Haïti", "Ambassade de France en Haïti", "haiti", "hotmail.com",
        _n(
            "Commune de Jacmel", "Jacmel",
            "Commune des Cayes", "Les Cayes",
            "Commune de Jérémie", "Jérémie",
            "Département du Sud-Est", "Sud-Est",
        ),
    ),
    Country(
        "Bénin", "Ambassade de France au Bénin", "benin", "yahoo.fr",
        _n(
            "Commune de Porto-Novo", "Porto-Novo",
            "Commune d'Abomey", "Abomey",
            "Commune de Ouidah", "Ouidah",
            "Commune de Parakou", "Parakou",
        ),
    ),
    Country(
        "Cameroun", "Ambassade de France au Cameroun", "cameroun", "yahoo.fr",
        _n(
            "Commune de Dschang", "Dschang",
            "Commune de Bangangté", "Bangangté",
            "Communauté urbaine de Douala", "Douala",
            "Commune de Foumban", "Foumban",
        ),
        (("Douala", "Consulat général de France à Douala"),),
    ),
    Country(
        "Allemagne", "Ambassade de France en Allemagne", "allemagne", "web.de",
        _n(
            "Land de Basse-Saxe", "Basse-Saxe",
            "Ville de Hanovre", "Hanovre",
            "Ville de Fribourg-en-Brisgau", "Fribourg-en-Brisgau",
            "Ville d'Erlangen", "Erlangen",
        ),
        (("Fribourg-en-Brisgau", "Consulat général de France à Stuttgart"),),
    ),
    Country(
        "Chine", "Ambassade de France en Chine", "chine", "163.com",
        _n(
            "Province du Shaanxi", "Shaanxi",
            "Province du Hubei", "Hubei",
            "Ville de Wuhan", "Wuhan",
            "Ville de Chengdu", "Chengdu",
        ),
        (
            ("Wuhan", "Consulat général de France à Wuhan"),
            ("Hubei", "Consulat général de France à Wuhan"),
            ("Chengdu", "Consulat général de France à Chengdu"),
        ),
    ),
    Country(
        "Arménie", "Ambassade de France en Arménie", "armenie", "mail.am",
        _n(
            "Province de Lori", "Lori",
            "Ville d'Erevan", "Erevan",
            "Ville de Goris", "Goris",
            "Ville de Gumri", "Gumri",
        ),
    ),
)  # fmt: skip

# Family names (in capitals, as the Atlas's tables write them) and given names of women (f) and
# men (m) by where people live. The plain-text copy of a table row cannot tell a given name with a
# space (`Marie Claire`, `Thi Lan`) from the next cell, so only HTML pages get those.
PEOPLE: dict[str, dict[str, tuple[str, ...]]] = {
    "france": {
        "family": (
            "MARTIN",
            "BERNARD",
            "LE GALL",
            "DUBOIS",
            "ROBERT",
            "PETIT",
            "LEROY",
            "MOREAU",
            "FOURNIER",
            "LEFEBVRE",
            "GUÉRIN",
            "MORVAN",
            "DA SILVA",
            "HAMON",
            "BLANCHARD",
        ),
        "f": (
            "Claire",
            "Sophie",
            "Camille",
            "Hélène",
            "Élodie",
            "Julie",
            "Anne-Sophie",
            "Marion",
            "Marie Claire",
            "Anne Laure",
        ),
        "m": (
            "Nicolas",
            "Julien",
            "François",
            "Luc",
            "Jean-Pierre",
            "Thomas",
            "Yann",
            "Olivier",
            "Jean Marc",
        ),
    },
    "senegal": {
        "family": ("DIOP", "NDIAYE", "FALL", "SARR", "DIALLO", "SÈNE", "BADJI", "DIATTA"),
        "f": ("Aminata", "Fatou", "Awa", "Mariama", "Khady", "Mame Diarra"),
        "m": ("Moussa", "Ousmane", "Mamadou", "Abdoulaye", "Ibrahima", "Pape Modou"),
    },
    "burkina": {
        "family": ("OUÉDRAOGO", "SAWADOGO", "COMPAORÉ", "KABORÉ", "ZONGO", "TRAORÉ"),
        "f": ("Mariam", "Salimata", "Aïssata", "Pauline", "Marie Odile"),
        "m": ("Issouf", "Salif", "Adama", "Boukary", "Hamidou"),
    },
    "mali": {
        "family": ("TRAORÉ", "KEÏTA", "COULIBALY", "DIARRA", "TOURÉ", "SANGARÉ"),
        "f": ("Fatoumata", "Kadiatou", "Oumou", "Assitan"),
        "m": ("Boubacar", "Modibo", "Seydou", "Bakary", "Souleymane", "Mamadou Lamine"),
    },
    "madagascar": {
        "family": ("RAKOTOMALALA", "RANDRIANARISOA", "RASOLOFO", "RAZAFINDRABE", "ANDRIAMBOLOLONA"),
        "f": ("Voahangy", "Tiana", "Lalao", "Hanitra", "Marie Hélène"),
        "m": ("Hery", "Njaka", "Rivo", "Tsiry"),
    },
    "vietnam": {
        "family": ("NGUYEN", "TRAN", "LE", "PHAM", "HOANG", "VU"),
        "f": ("Lan", "Huong", "Mai", "Thu", "Thi Lan", "Thi Huong"),
        "m": ("Minh", "Hung", "Tuan", "Dung", "Van Minh", "Van Hung"),
    },
    "maghreb": {
        "family": ("EL AMRANI", "BENALI", "BOUAZIZ", "HADDAD", "BENSALEM", "CHERIF", "TAZI"),
        "f": ("Nadia", "Fatima-Zahra", "Leïla", "Samira", "Imane", "Fatima Zohra"),
        "m": ("Youssef", "Karim", "Mohamed", "Rachid", "Mehdi", "Mohamed Amine"),
    },
    "levant": {
        "family": ("KHOURY", "HADDAD", "NASSAR", "SAAB", "ABOU ZEID", "SHAHEEN"),
        "f": ("Rania", "Nour", "Maya", "Rima", "Marie Thérèse"),
        "m": ("Rami", "Georges", "Samir", "Fadi", "Khalil"),
    },
    "quebec": {
        "family": ("TREMBLAY", "GAGNON", "ROY", "CÔTÉ", "BOUCHARD", "GAUTHIER", "LAVOIE"),
        "f": ("Marie-Claude", "Sylvie", "Geneviève", "Isabelle", "Nathalie", "Marie Ève"),
        "m": ("Jean-François", "Mathieu", "Éric", "Stéphane", "Sébastien"),
    },
    "haiti": {
        "family": ("JEAN-BAPTISTE", "PIERRE", "JOSEPH", "CHARLES", "ÉTIENNE", "LOUIS"),
        "f": ("Nadège", "Marie-Lourdes", "Rose-Marie", "Guerline", "Marie Yolène"),
        "m": ("Wilner", "Jean-Robert", "Fritz", "Jocelyn"),
    },
    "benin": {
        "family": ("DOSSOU", "AGBO", "HOUNKPATIN", "AHOUANSOU", "ADJOVI", "GBAGUIDI"),
        "f": ("Rachidatou", "Prudence", "Ella", "Nafissatou", "Marie Josée"),
        "m": ("Codjo", "Brice", "Romuald", "Gildas"),
    },
    "cameroun": {
        "family": ("FOTSO", "NJOYA", "KAMGA", "TAGNE", "NGUEMO", "TCHATCHOUA"),
        "f": ("Pauline", "Rosine", "Odette", "Brigitte"),
        "m": ("Célestin", "Hervé", "Jean-Paul", "Emmanuel", "Jean Claude"),
    },
    "allemagne": {
        "family": ("MÜLLER", "SCHMIDT", "WEBER", "BECKER", "HOFFMANN", "WAGNER"),
        "f": ("Katrin", "Anja", "Sabine", "Julia"),
        "m": ("Stefan", "Jürgen", "Thomas", "Markus", "Karl Heinz"),
    },
    "chine": {
        "family": ("WANG", "LI", "ZHANG", "LIU", "CHEN", "ZHAO"),
        "f": ("Fang", "Jing", "Yan", "Hui", "Li Na"),
        "m": ("Wei", "Jun", "Lei", "Qiang", "Xiao Ming"),
    },
    "armenie": {
        "family": ("PETROSSIAN", "SARKISSIAN", "HAKOBIAN", "GRIGORIAN", "MANOUKIAN"),
        "f": ("Anahit", "Lilit", "Gayané", "Armine", "Anna Maria"),
        "m": ("Aram", "Ara", "Vahé", "Tigran"),
    },
}

# National bodies and networks that appear among the "other partners in France".
FRENCH_NETWORKS = (
    "Cités Unies France",
    "France Volontaires",
    "Agence française de développement",
    "Maison de la Francophonie",
)
WATER_NETWORKS = ("ONG Eau Vive", "Programme Solidarité Eau (pS-Eau)")  # for water projects

# "Amis du Sénégal", "Association Bretagne-Sénégal": a country after "de", article and elision
# included.
COUNTRY_OF = {
    "Sénégal": "du Sénégal",
    "Burkina Faso": "du Burkina Faso",
    "Mali": "du Mali",
    "Madagascar": "de Madagascar",
    "Vietnam": "du Vietnam",
    "Maroc": "du Maroc",
    "Algérie": "de l'Algérie",
    "Tunisie": "de la Tunisie",
    "Liban": "du Liban",
    "Territoires palestiniens": "de la Palestine",
    "Canada": "du Canada",
    "Haïti": "d'Haïti",
    "Bénin": "du Bénin",
    "Cameroun": "du Cameroun",
    "Allemagne": "de l'Allemagne",
    "Chine": "de la Chine",
    "Arménie": "de l'Arménie",
}
