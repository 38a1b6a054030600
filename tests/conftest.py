"""Shared fixtures: a small hand-written labelled set and a model trained on it.

Tests never depend on data/corpus (which grows) for exact values; the tiny
set below is enough to train a real model and check every code path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from label_examples import candidates

from analyzer.adaptation import BaseData, Scorer
from analyzer.model import posts_array, train
from analyzer.persistence import save_model
from analyzer.posts import Label, Post

MEDIA = [
    ("en", "shop_a", "Summer sale: 30% off all sandals this weekend only. Shop now at https://shop.example/sale"),
    ("en", "shop_a", "NEW IN: linen shirts in six colours. Link in bio! #newin #fashion"),
    ("en", "shop_a", "Our Bristol store opens at 9am on Saturday. Free coffee for the first 50 customers!"),
    ("en", "saas_b", "Download our free ebook: 10 ways to speed up your invoicing https://bit.ly/inv10"),
    ("en", "saas_b", "We're excited to announce version 4.0 with offline mode. Read more on the blog."),
    ("en", "saas_b", "Register now for Thursday's webinar on payroll automation. Seats are limited!"),
    ("en", "news_c", "Council approves new cycle lanes on Mill Road. Full story: https://news.example/mill"),
    ("en", "news_c", "WIN two tickets to the jazz festival! Like, share and tag a friend to enter. #giveaway"),
    ("en", "ngo_d", "Donate today and your gift will be matched. Every pound feeds a family. https://give.example"),
    ("en", "ngo_d", "Volunteers needed for Saturday's beach clean. Sign up here: https://ngo.example/clean"),
    ("es", "tienda_e", "¡Rebajas! 40% de descuento en toda la colección de invierno. Compra ya en nuestra web."),
    ("es", "tienda_e", "Nueva colección disponible en tienda y online. Envío gratis a partir de 30 €. #moda"),
    ("es", "tienda_e", "Sorteo 🎁 Gana una cesta de productos: síguenos, dale like y etiqueta a un amigo."),
    ("es", "app_f", "Descarga nuestra guía gratuita para autónomos. Link en bio 👉 #emprender"),
    ("es", "app_f", "Estamos felices de anunciar nuestra nueva app para iOS y Android. ¡Descúbrela!"),
    ("es", "ayto_g", "El Ayuntamiento informa: corte de agua el martes de 9:00 a 14:00 en el centro."),
    ("es", "ayto_g", "Inscripciones abiertas para los talleres de verano. Plazas limitadas, inscríbete aquí."),
    ("es", "ong_h", "Dona ahora y ayúdanos a llevar agua potable a 500 familias. Cada euro cuenta."),
    ("it", "negozio_i", "Saldi di fine stagione: sconto del 50% su tutta la collezione. Vi aspettiamo in negozio!"),
    ("it", "negozio_i", "Nuovi arrivi 🛍️ Scopri la collezione primavera, link in bio #moda #adv"),
    ("it", "negozio_i", "Spedizione gratuita per tutti gli ordini sopra i 49 €. Solo fino a domenica!"),
    ("it", "editore_l", "È uscito il nuovo numero della rivista. Lo trovate in edicola e online."),
    ("it", "editore_l", "Iscriviti alla nostra newsletter per ricevere le novità ogni venerdì."),
    ("it", "comune_m", "Il Comune informa: domenica chiusura al traffico del centro storico per la maratona."),
    ("it", "onlus_n", "Sostieni la nostra raccolta fondi per la nuova ambulanza. Dona ora, ogni euro conta."),
]
NETWORKING = [
    ("en", "shop_a", "Which colour should we bring back next summer: sage or terracotta? Tell us below!"),
    ("en", "saas_b", "@maria_k thanks for the detailed bug report, that helped a lot. Which browser were you on?"),
    ("en", "ana_p", "Has anyone moved from Trello to Notion for a small team? Curious how it went for you."),
    ("en", "ana_p", "Congrats @tom_r on the new job! So proud of you, well deserved."),
    ("en", "ana_p", "What do you all do when a client keeps changing the brief? Genuinely asking."),
    ("en", "leo_q", "@sam_w haha same here, my train was 40 minutes late too. Coffee tomorrow?"),
    ("en", "leo_q", "Thinking of learning Rust this winter. Any tips for someone coming from Python?"),
    ("en", "leo_q", "Thanks everyone who came to the meetup yesterday, loved the discussion on testing."),
    ("en", "news_c", "We're planning more local coverage. What stories in your street are we missing?"),
    ("en", "ngo_d", "Hi all, what would make volunteering easier for you? We'd love to hear your ideas."),
    ("es", "tienda_e", "¿Qué color preferís para la próxima temporada? Os leemos en los comentarios."),
    ("es", "lucia_r", "¿Alguien me recomienda un buen fisio en Valencia? Llevo semanas con la espalda fatal."),
    ("es", "lucia_r", "@pablo_m jajaja tal cual, a mí me pasó lo mismo ayer en la reunión."),
    ("es", "lucia_r", "Enhorabuena @marta_g por la defensa de la tesis, ¡qué orgullo!"),
    ("es", "diego_s", "¿Qué opináis de trabajar cuatro días a la semana? En mi equipo lo estamos debatiendo."),
    ("es", "diego_s", "Gracias a todos por los consejos de ayer, al final me quedo con el portátil más ligero."),
    ("es", "diego_s", "Buenas, ¿alguien sabe si el metro funciona mañana con la huelga?"),
    ("es", "ayto_g", "Vecinos, ¿qué mejoraríais del parque del barrio? Contadnos vuestras ideas."),
    ("it", "negozio_i", "Secondo voi meglio il lino o il cotone per l'estate? Diteci la vostra!"),
    ("it", "giulia_t", "Qualcuno sa consigliarmi un buon meccanico a Bologna? Grazie mille in anticipo."),
    ("it", "giulia_t", "@marco_b ahahah verissimo, anche io ieri sera ho perso il treno."),
    ("it", "giulia_t", "Complimenti @sara_v per la laurea! Bravissima, te lo meriti."),
    ("it", "paolo_u", "Cosa ne pensate dello smart working obbligatorio? Nel mio team siamo divisi."),
    ("it", "paolo_u", "Grazie a tutti per i consigli sul trasloco, mi avete salvato."),
    ("it", "comune_m", "Cari cittadini, come vorreste usare lo spazio dell'ex mercato? Scriveteci le vostre idee."),
]


# the media posts above that pass on information (the others ask to act)
INFORMATION = {3, 5, 7, 12, 15, 16, 22, 24}


def labelled_posts() -> list[Post]:
    posts = []
    for label, rows in ((Label.MEDIA, MEDIA), (Label.NETWORKING, NETWORKING)):
        for n, (lang, author, text) in enumerate(rows, 1):
            function = "community" if label is Label.NETWORKING else (
                "information" if n in INFORMATION else "action")
            posts.append(Post(id=f"{label.value[:1]}{n}", text=text, author=author, lang=lang,
                              label=label, function=function))
    return posts


@pytest.fixture(scope="session")
def train_posts() -> list[Post]:
    return labelled_posts()


@pytest.fixture(scope="session")
def trained(train_posts):
    return train(train_posts, n_splits=3, random_state=0)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, trained) -> Path:
    out = tmp_path_factory.mktemp("model")
    save_model(trained.model, out, meta={"n_signals": 60, "training": {"n_posts": trained.n_posts}},
               function_head=trained.function_head)
    return out


@pytest.fixture(scope="session")
def labelled_file(tmp_path_factory, train_posts) -> Path:
    path = tmp_path_factory.mktemp("data") / "labelled.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for p in train_posts:
            fh.write(json.dumps({"id": p.id, "text": p.text, "label": p.label.value, "function": p.function,
                                 "author": p.author, "lang": p.lang}, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(autouse=True)
def _no_model_env(monkeypatch):
    monkeypatch.delenv("CONTENT_ANALYZER_MODEL", raising=False)


@pytest.fixture(scope="session")
def parts(trained, train_posts):
    """What the labelling loop works on: featurizer, base corpus, scorer, the posts to label
    (tests/label_examples.py) and their features."""
    featurizer = trained.model.named_steps["features"]
    base = BaseData.build(featurizer, train_posts, C=trained.model.named_steps["clf"].C,
                          calibration=trained.calibration)
    scorer = Scorer.from_pipeline(trained.model)
    posts = candidates()
    X = featurizer.transform(posts_array(posts))
    return featurizer, base, scorer, posts, X
