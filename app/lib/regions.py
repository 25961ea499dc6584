"""World regions of countries: ISO 3166 alpha-2 code → UN M49 region code.

Source: the UN Statistics Division's M49 standard ("Standard country or area codes for
statistical use", https://unstats.un.org/unsd/methodology/m49/), as tabulated in the
`UNregion` column of country_converter 1.3.2's country_data.tsv (that library itself does not
load under pandas 3, so its table is copied here rather than imported). Each M49 sub-region is
grouped into its region, and the Americas into M49's two groupings (419 Latin America and the
Caribbean, 021 Northern America), which is how consultations usually report them. Antarctica
(AQ) belongs to no region. Region names come from CLDR through Babel, in the reader's language.
"""

from babel import Locale

__all__ = ["REGIONS", "region_name", "region_of"]

# In the order a table lists them.
REGIONS = ("002", "419", "021", "142", "150", "009")

_COUNTRIES = {
    # Africa
    "002": (
        "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW IO KE KM LR LS "
        "LY MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TF TG TN TZ UG "
        "YT ZA ZM ZW"
    ),
    # Latin America and the Caribbean
    "419": (
        "AG AI AR AW BB BL BO BQ BR BS BV BZ CL CO CR CU CW DM DO EC FK GD GF GP GS GT GY HN "
        "HT JM KN KY LC MF MQ MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI"
    ),
    # Northern America
    "021": "BM CA GL PM US",
    # Asia
    "142": (
        "AE AF AM AZ BD BH BN BT CN CY GE HK ID IL IN IQ IR JO JP KG KH KP KR KW KZ LA LB LK "
        "MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE"
    ),
    # Europe
    "150": (
        "AD AL AT AX BA BE BG BY CH CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE "
        "LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK"
    ),
    # Oceania
    "009": (
        "AS AU CC CK CX FJ FM GU HM KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"
    ),
}
_REGION_OF = {country: region for region, codes in _COUNTRIES.items() for country in codes.split()}


def region_of(country: str | None) -> str | None:
    """The M49 region code of a country code, or None when unknown."""
    return _REGION_OF.get((country or "").upper())


def region_name(region: str, locale: str) -> str:
    return str(Locale.parse(locale).territories.get(region, region))
