"""The admin shows no API tokens.

Django REST framework's ``authtoken`` app registers a page listing every token in full;
anyone with it (a superuser) could call the API as any researcher. A researcher sees
their own token on their profile page; nobody sees another's.
"""

from django.apps import apps
from django.contrib import admin

if apps.is_installed("rest_framework.authtoken"):
    from rest_framework.authtoken.models import TokenProxy

    if admin.site.is_registered(TokenProxy):
        admin.site.unregister(TokenProxy)
