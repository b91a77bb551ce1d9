"""Small pure helpers shared by the apps: environment, dates, XML, check digits, geo maths."""
