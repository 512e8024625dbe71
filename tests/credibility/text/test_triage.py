"""Triage of sentences that carry nothing to verify (bylines, datelines, page furniture, other languages)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

import credibility.text.triage as triage_module
from credibility.text.triage import Triage, triage_sentence

# (text, expected code or None for "must be checked")
CASES: list[tuple[str, str | None]] = [
    # empty / punctuation / symbols
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("\u200b\ufeff", "empty"),
    ("***", "punctuation"),
    ("—", "punctuation"),
    ("• • •", "punctuation"),
    ("...", "punctuation"),
    ("* * *", "punctuation"),
    ("→ ★", "punctuation"),
    # bylines
    ("By John Smith", "byline"),
    ("By JOHN SMITH and Jane Doe, Reuters", "byline"),
    ("BY MARÍA LÓPEZ-GARCÍA", "byline"),
    ("By Fayez al-Sarraj and Mohammed bin Salman", "byline"),
    ("By The Associated Press", "byline"),
    ("Reporting by Jane Doe; Editing by Tom Lee", "byline"),
    (
        "(Reporting by Ahmed Elumami in Tripoli and Ece Toksabay in Ankara; Writing by Aidan Lewis; "
        "Editing by Peter Graff)",
        "byline",
    ),
    ("Written by Jane Doe", "byline"),
    ("Additional reporting by Tom Lee in Cairo", "byline"),
    ("Author: Jane Doe", "byline"),
    ("Staff writer", "byline"),
    ("Reuters Staff", "byline"),
    ("John Smith, Middle East correspondent", "byline"),
    ("John Smith | Reuters", "byline"),
    ("Jane Doe - AFP", "byline"),
    ("By John Smith @jsmith", "byline"),
    # datelines alone
    ("January 8, 2020", "dateline"),
    ("Published 08/01/2020 14:03 GMT", "dateline"),
    ("Updated: Jan. 8, 2020 at 3:04 p.m.", "dateline"),
    ("8 January 2020", "dateline"),
    ("Wednesday, 8 January 2020", "dateline"),
    ("First published on Wed 8 Jan 2020 14.03 GMT", "dateline"),
    ("Jan 8, 2020 / 3:04 PM / Updated 5 years ago", "dateline"),
    ("2020-01-08T14:03:00Z", "dateline"),
    ("5 hours ago", "dateline"),
    ("Monday, January 6", "dateline"),
    ("NEW DELHI:", "dateline"),
    ("LONDON (Reuters) -", "dateline"),
    ("TRIPOLI, Libya (AP) —", "dateline"),
    ("ISTANBUL/TRIPOLI (Reuters) -", "dateline"),
    ("(Reuters) -", "dateline"),
    # publisher-only lines
    ("Via Financial Times", "publisher"),
    ("Source: Reuters", "publisher"),
    ("Sources: Reuters, AFP", "publisher"),
    ("Originally published by The Guardian", "publisher"),
    ("This article first appeared on The Conversation.", "publisher"),
    ("© 2020 The Financial Times Ltd.", "publisher"),
    ("Copyright 2020 Reuters.", "publisher"),
    ("All rights reserved.", "publisher"),
    ("— Reuters", "publisher"),
    ("Al Jazeera and news agencies", "publisher"),
    ("(AFP)", "publisher"),
    ("Published by Reuters on 8 January 2020", "publisher"),
    # share / navigation
    ("Share this article", "navigation"),
    ("Click to share on Twitter (Opens in new window)", "navigation"),
    ("Click to email a link to a friend (Opens in new window)", "navigation"),
    ("Follow us on Facebook", "navigation"),
    ("Subscribe to our newsletter", "navigation"),
    ("Sign up", "navigation"),
    ("Sign up for our daily briefing on the Middle East", "navigation"),
    ("Advertisement", "navigation"),
    ("ADVERTISEMENT", "navigation"),
    ("Story continues below advertisement", "navigation"),
    ("Read more", "navigation"),
    ("Read more »", "navigation"),
    ("Continue reading", "navigation"),
    ("Continue reading the main story", "navigation"),
    ("Comments", "navigation"),
    ("12 comments", "navigation"),
    ("Tags: Libya, Turkey", "navigation"),
    ("Related articles", "navigation"),
    ("Print", "navigation"),
    ("Email", "navigation"),
    ("Facebook Twitter Email", "navigation"),
    ("Skip to content", "navigation"),
    ("Skip to main content", "navigation"),
    ("Back to top", "navigation"),
    ("5 min read", "navigation"),
    ("Home › World › Africa", "navigation"),
    ("Advertisement - scroll to continue", "navigation"),
    ("Print | Email | Share", "navigation"),
    ("UPDATE:", "navigation"),
    # share buttons, ad slots and tracking links a copied page keeps, entities and all
    ("Share&nbsp;on Facebook", "navigation"),
    ("Click here to subscribe to our newsletter.", "navigation"),
    ("Sign up for our daily newsletter", "navigation"),
    ("Story continues below advertisement", "navigation"),
    ("ADVERTISEMENT", "navigation"),
    ("Adver\u00adtise\u200bment", "navigation"),
    ("https://www.example.com/2019/05/03/some-story/?utm_source=facebook&amp;utm_medium=social", "link"),
    ("www.example.com/news/story-123", "link"),
    ("Source: https://example.com/a/b", "link"),
    ("utm_source=twitter&utm_medium=social&utm_campaign=daily", "link"),
    # other languages
    ("Le gouvernement a annoncé lundi une nouvelle réforme des retraites.", "language"),
    ("Die Regierung hat am Montag eine neue Rentenreform angekündigt.", "language"),
    ("Los precios del petróleo subieron tras la reunión de la OPEP.", "language"),
    ("Il presidente ha incontrato il suo omologo turco a Istanbul.", "language"),
    ("Os preços do petróleo subiram após a reunião da OPEP.", "language"),
    ("De olieprijzen stegen na de vergadering van de OPEC.", "language"),
    ("Президент встретился со своим турецким коллегой в Стамбуле.", "language"),
    ("ارتفعت أسعار النفط بعد اجتماع أوبك.", "language"),
    ("欧佩克会议后油价上涨。", "language"),
    ("Merci beaucoup, monsieur le président, pour votre accueil chaleureux.", "language"),
    # must stay checkable: short factual sentences, length is never a reason
    ("Sirte has fallen.", None),
    ("The ceasefire collapsed.", None),
    ("He resigned.", None),
    ("Oil rose 3%.", None),
    # sentences that start like furniture
    ("By Friday, the council had approved the plan.", None),
    ("By 2020, the plan was dead.", None),
    ("By contrast, Egypt backed Haftar.", None),
    ("Share prices fell sharply on Monday.", None),
    ("Source: Libyan officials said 20 people had died.", None),
    ("Visit www.healthcare.gov to enroll before Dec. 15.", None),
    ("The site https://example.com/report says 20 people died.", None),
    ("Copyright lawsuits surged in 2023.", None),
    ("Register of members' interests shows Smith was paid £5,000.", None),
    ("Follow-up talks are planned in Berlin.", None),
    ("Comments by the president angered Ankara.", None),
    ("Via Appia was closed to traffic.", None),
    ("Tags were found on the bodies.", None),
    ("Print media is in decline.", None),
    ("(The review could take months.)", None),
    ("NEW DELHI: The government said on Monday it would act.", None),
    ("Reuters reported the deal on Monday.", None),
    ("John Smith is a staff writer.", None),
    ("March on Tripoli began on Monday.", None),
    ("LONDON (Reuters) - Oil prices rose on Monday.", None),
    ("TRIPOLI, Libya (AP) — Forces loyal to Haftar shelled the airport.", None),
    # injected material the product flags elsewhere: promos, photo captions and credits
    ("READ ALSO Turkey sends troops to Libya as Haftar advances on Tripoli", None),
    ("READ ALSO: Erdogan says Turkey will not abandon Libya", None),
    ("Read more: Turkey sends troops to Libya", None),
    ("Also read: Haftar's forces retreat from Gharyan", None),
    ("(Photo by ABDULLAH DOMA/AFP via Getty Images)", None),
    ("Image copyright Getty Images", None),
    ("Source: Getty Images", None),
    ("Fighters loyal to the GNA in Tripoli on January 8, 2020. (Photo: Reuters)", None),
    # quotes and headlines
    ("“We will not leave,” he said.", None),
    ("He said: 'No.'", None),
    ("Turkey sends troops to Libya", None),
    ("Turkey Sends Troops To Libya", None),
    ("TURKEY SENDS TROOPS TO LIBYA AS HAFTAR ADVANCES", None),
    # English full of foreign names must not be called foreign
    ("Recep Tayyip Erdogan and Khalifa Haftar met in Istanbul.", None),
    ("Sergei Lavrov met Mevlüt Çavuşoğlu in Moscow.", None),
    ("Juan Carlos Rodríguez Zapatero visited São Paulo and Rio de Janeiro.", None),
    ("Société Générale and BNP Paribas declined to comment.", None),
    ("The Bundesverfassungsgericht in Karlsruhe ruled on Tuesday.", None),
    ("Hamid Karzai, Ashraf Ghani and Abdullah Abdullah disagreed.", None),
    ("Erdogan: 'Libya'nin mesru hukumeti' will get support", None),
    ("Fayez al-Sarraj flew to Ankara on Thursday for talks with Mevlut Cavusoglu.", None),
    ("Ankara, Tripoli, Benghazi, Tobruk, Misrata, Zawiya, Sabratha.", None),
    ("The protesters chanted 'Erhal, erhal' outside the parliament in Tripoli.", None),
    ("Allahu akbar, the crowd chanted.", None),
    # too short to tell the language: checked rather than guessed
    ("Путин прибыл в Анкару.", None),
]


@pytest.mark.parametrize(("text", "code"), CASES, ids=[repr(t)[:60] for t, _ in CASES])
def test_triage_table(text: str, code: str | None) -> None:
    result = triage_sentence(text)
    assert (result.code if result else None) == code, result


def test_reasons_are_human_readable() -> None:
    assert triage_sentence("By John Smith") == Triage("byline", "byline")
    assert triage_sentence("January 8, 2020") == Triage("dateline", "dateline")
    assert triage_sentence("Source: Reuters") == Triage("publisher line", "publisher")
    assert triage_sentence("Share this article") == Triage("share/navigation text", "navigation")
    assert triage_sentence("...") == Triage("punctuation only", "punctuation")
    assert triage_sentence("") == Triage("empty", "empty")
    french = triage_sentence("Il faut dire que la situation reste très tendue.")
    assert french == Triage("not English (detected: French)", "language")


def test_triage_is_frozen() -> None:
    result = Triage("byline", "byline")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.code = "x"  # type: ignore[misc]


def test_model_language_is_respected() -> None:
    english = "The government announced a new pension reform on Monday."
    assert triage_sentence(english) is None
    assert triage_sentence(english, model_language="fr") == Triage(
        "not French (detected: English)", "language"
    )
    french = "Le gouvernement a annoncé lundi une nouvelle réforme des retraites."
    assert triage_sentence(french, model_language="fr") is None
    # A multilingual model reads everything: no language check, but furniture is still furniture.
    assert triage_sentence(french, model_language="mul") is None
    assert triage_sentence("Share this article", model_language="mul") == Triage(
        "share/navigation text", "navigation"
    )


def test_unknown_model_language_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown model language"):
        triage_sentence("The government announced a new pension reform on Monday.", model_language="xx")
    with pytest.raises(ValueError, match="unknown model language"):
        triage_sentence("By John Smith", model_language="english")


def test_detector_is_loaded_lazily() -> None:
    # Importing the module, and triaging furniture or short text, must not load the language model.
    code = (
        "import sys, credibility.text.triage as t\n"
        "assert t.triage_sentence('By John Smith').code == 'byline'\n"
        "assert t.triage_sentence('Sirte has fallen.') is None\n"
        "assert 'py3langid' not in sys.modules and t._detector is None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_detector_is_loaded_once() -> None:
    triage_sentence("Oil prices rose on Monday after OPEC signalled further output cuts.")
    first = triage_module._detector
    assert first is not None
    triage_sentence("Die Regierung hat am Montag eine neue Rentenreform angekündigt.")
    assert triage_module._get_detector() is first


def test_plain_english_shortcut_leaves_other_languages_to_the_detector() -> None:
    from credibility.text.triage import _plainly_english

    assert _plainly_english("the governor said that the bill would not pass before the end of the session")
    for foreign in (
        "die Regierung hat in der Sitzung beschlossen, dass das Gesetz nicht verabschiedet wird",
        "le gouvernement a décidé que la loi ne sera pas adoptée avant la fin de la session",
        "het kabinet is in de vergadering van mening dat de wet niet wordt aangenomen",
        "el gobierno dijo que la ley no sería aprobada antes del final de la sesión",
        "Die Regierung will also wissen, was die Opposition dazu sagt und was sie plant",
        "regeringen har for længe siden sagt at de vil have en ny lov, men her er den ikke",
        "het kabinet weet niet of we de wet voor het einde van het jaar kunnen aannemen",
        "rząd powiedział, że to nie jest to, czego chcieli wyborcy, ale to jest ustawa",
    ):
        assert not _plainly_english(foreign), foreign
        assert triage_sentence(foreign.capitalize() + ".") is not None
