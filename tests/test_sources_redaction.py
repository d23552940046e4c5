"""Relatives' phone numbers and e-mails are hidden wherever a non-moderator sees text."""

import pytest

from sources.redaction import mask_phone, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Любая информация! +7 (912) 345-67-89", "Любая информация! +7 ••• •• 89"),
        ("звоните 8 915 234 56 78, Татьяна", "звоните +7 ••• •• 78, Татьяна"),
        ("тел. 8-900-111-22-45", "тел. +7 ••• •• 45"),
        ("89161234567 или 8(916)765-43-21", "+7 ••• •• 67 или +7 ••• •• 21"),
        ("Украина: +380 67 123 45 67", "Украина: +380 ••• •• 67"),
    ],
)
def test_it_keeps_only_the_country_code_and_last_two_digits_of_a_phone(text, expected):
    assert redact(text) == expected


def test_it_hides_the_mailbox_of_an_e_mail_but_keeps_the_domain():
    assert redact("пишите ira.sid@mail.example") == "пишите •••@mail.example"


def test_dates_unit_numbers_and_birth_years_are_left_alone():
    text = "Петренко Алексей, 12.03.2005 г.р., в/ч 31612. Пропал 06.08.2024, 12.03.2005 06.08.2024"
    assert redact(text) == text


def test_links_to_posts_are_not_taken_for_phones():
    text = "видео https://t.me/fictional_captives/4521 и https://vk.com/wall-212345678_1501"
    assert redact(text) == text


def test_mask_phone_of_an_e164_number():
    assert mask_phone("+79123456745") == "+7 ••• •• 45"
    assert mask_phone("12") == "•••"


def test_empty_text_stays_empty():
    assert redact("") == ""
