# Django has no formats for Haitian Creole, nor its month names: dates are written in figures,
# day first, as in Haiti (28/11/2026).
DATE_FORMAT = "j/n/Y"
SHORT_DATE_FORMAT = "j/n/Y"
DATETIME_FORMAT = "j/n/Y H:i"
FIRST_DAY_OF_WEEK = 1
