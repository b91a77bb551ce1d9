"""The resident web app's views, one module per part; each module lists its own `urlpatterns`, which
portal/urls.py puts together (so the parts can grow apart without touching one shared file).

- home.py    the start page
- report.py  reporting: location, category, questions, photos, "is it one of these?", contact
- track.py   tracking by number, following, "me too", comments
- around.py  requests around a place (list and map)
- me.py      my requests, behind a one-time sign-in link
- pwa.py     the manifest, the service worker, the offline page
- photos.py  photos, served to whoever may see them
"""
