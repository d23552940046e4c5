import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

application = get_wsgi_application()

# Load pymorphy3's dictionaries before the first request rather than during it,
# then keep the objects made so far out of garbage-collector scans: a full
# collection over them stalled a search request by ~160 ms under load.
from conscripts import names  # noqa: E402

names.parse_query("Иванов Иван Иванович 2005")
gc.freeze()
