"""Hand-written posts to label (none of them in the conftest model's training set) and their
labels, shared by the labelling tests."""

from analyzer.posts import Post

CANDIDATES = [
    ("en", "Flash sale! 25% off every backpack until midnight. Shop now: https://shop.example/bags"),
    ("en", "Does anyone know a good vegan bakery near Leeds station? Asking for a birthday."),
    ("en", "Our new podcast episode is out: how we cut delivery costs by a third. Listen now."),
    ("en", "@jo_m ha, I had the exact same problem with the printer yesterday. Did you fix it?"),
    ("en", "Tickets for the spring concert are on sale now. Book yours before they go!"),
    ("en", "What's the one book you'd recommend to a new manager? Curious what you all read."),
    ("es", "¡Oferta! 2x1 en todas las pizzas los martes. Pide ya en nuestra app."),
    ("es", "¿Alguien ha probado el nuevo tren a Sevilla? ¿Merece la pena?"),
    ("es", "Ya está disponible nuestro informe anual. Descárgalo gratis en la web."),
    ("es", "@lola_v jajaja qué fuerte, a mí también me pasó en el gimnasio."),
    ("it", "Nuova collezione autunno disponibile online, spedizione gratuita sopra i 30 €!"),
    ("it", "Qualcuno conosce un buon dentista a Torino? Grazie in anticipo!"),
    ("it", "Il Comune informa: lunedì chiusura degli uffici per la festa patronale."),
    ("it", "@luca_b ahah vero, anche io ho dimenticato l'ombrello stamattina."),
]
TRUTH = ["media", "networking", "media", "networking", "media", "networking", "media", "networking",
         "media", "networking", "media", "networking", "media", "networking"]


def candidates() -> list[Post]:
    return [Post(id=f"c{i}", text=t, lang=lang, author=f"acct{i % 3}") for i, (lang, t) in enumerate(CANDIDATES)]
