"""Signing in: the password (rate-limited; django-axes locks a user name out on one
address after ``LOGIN_FAILURE_LIMIT`` failures), then, for moderators and admins, the
TOTP code (``core.second_factor``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import access, ratelimit, second_factor
from .access import private_response

DEFAULT_LOGIN_RATE = "20/minute"


class LoginView(auth_views.LoginView):
    """Django's login page, with a limit on posts per client address (whatever the user
    name: django-axes counts per user name and address)."""

    def post(self, request, *args, **kwargs):
        rate = ratelimit.parse_rate(_login_rate())
        if not ratelimit.hit(scope="login", ident=ratelimit.client_ip(request), rate=rate):
            # An unbound form: a bound one would check the password (and count it).
            form = self.get_form_class()(request=request)
            return self.render_to_response(
                self.get_context_data(form=form, rate_limited=True), status=429
            )
        return super().post(request, *args, **kwargs)

    def get_success_url(self):
        """Moderators and admins go on to the second step, then where they were going."""
        url = super().get_success_url()
        if access.needs_second_factor(self.request.user):  # just signed in: not verified
            return f"{reverse('second-factor')}?{urlencode({'next': url})}"
        return url


def _login_rate() -> str:
    return getattr(settings, "LOGIN_RATE_LIMIT", DEFAULT_LOGIN_RATE)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _signed_in_owing(request):
    """The user of a session that may give its code, or a response that sends it away."""
    if not request.user.is_authenticated:
        return None, redirect_to_login(request.get_full_path())
    if not access.needs_second_factor(request.user) or request.user.is_verified():
        return None, redirect(_next_url(request))
    return request.user, None


@never_cache
@private_response
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def second_factor_verify(request):
    """Step two: the code of the app enrolled before (or, the first time, enrolment)."""
    user, away = _signed_in_owing(request)
    if away:
        return away
    if second_factor.confirmed_device(user=user) is None:
        return redirect(_with_next("second-factor-setup", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor.session_verify(request=request, token=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error("code", _("That code is wrong or too old. Try the current one."))
    return render(
        request,
        "registration/second_factor.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


@never_cache
@private_response
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def second_factor_setup(request):
    """Enrolment: the secret as a QR code and as text, confirmed by its first code."""
    user, away = _signed_in_owing(request)
    if away:
        return away
    if second_factor.confirmed_device(user=user) is not None:
        return redirect(_with_next("second-factor", request))
    device = second_factor.pending_device(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor.enrolment_confirm(request=request, token=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error("code", _("That code is wrong or too old. Try the current one."))
    return render(
        request,
        "registration/second_factor_setup.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_svg": second_factor.qr_svg(device),
            "secret": second_factor.secret_text(device),
        },
        status=400 if form.errors else 200,
    )


def _with_next(name: str, request) -> str:
    return f"{reverse(name)}?{urlencode({'next': _next_url(request)})}"
