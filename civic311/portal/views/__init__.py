"""The resident web app's views, one module per part; each module lists its own `urlpatterns`, which
portal/urls.py puts together (so the parts can grow apart without touching one shared file).

- home.py    the start page
- report.py  reporting: location, category, questions, photos, "is it one of these?", contact
- track.py   tracking by number, following, "me too", comments, requests around a place, my requests
- pwa.py     the manifest, the service worker, the offline page
"""
