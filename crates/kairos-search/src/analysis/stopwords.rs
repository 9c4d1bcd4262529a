//! Stop words: function words dropped from the index and from queries, so that a question
//! typed in full ("Wie kündige ich meinen Vertrag?") is matched on its content words.
//! Short lists on purpose (articles, pronouns, auxiliaries, prepositions, conjunctions);
//! negations are kept, they change what a customer asks.

/// German stop words, lowercase, umlauts folded the way the German analyzer folds them.
pub(crate) const GERMAN: &[&str] = &[
    "aber", "alle", "allem", "allen", "aller", "alles", "als", "also", "am", "an", "andere",
    "anderen", "auch", "auf", "aus", "bei", "beim", "bin", "bis", "bist", "bitte", "da", "damit",
    "dann", "das", "dass", "dein", "deine", "deinen", "deiner", "dem", "den", "denn", "der", "des",
    "dessen", "die", "dies", "diese", "diesem", "diesen", "dieser", "dieses", "doch", "dort", "du",
    "durch", "ein", "eine", "einem", "einen", "einer", "eines", "er", "es", "etwas", "euch",
    "euer", "eure", "fur", "gegen", "hab", "habe", "haben", "hat", "hatte", "hier", "hin", "ich",
    "ihm", "ihn", "ihnen", "ihr", "ihre", "ihrem", "ihren", "ihrer", "im", "in", "ins", "ist",
    "ja", "jede", "jedem", "jeden", "jeder", "jedes", "kann", "kannst", "konnen", "mal", "man",
    "mein", "meine", "meinem", "meinen", "meiner", "meines", "mich", "mir", "mit", "muss",
    "mussen", "nach", "noch", "nun", "nur", "ob", "oder", "ohne", "sehr", "sein", "seine",
    "seinem", "seinen", "seiner", "sich", "sie", "sind", "so", "soll", "sollen", "sowie", "uber",
    "um", "und", "uns", "unser", "unsere", "unter", "vom", "von", "vor", "war", "waren", "was",
    "weil", "welche", "welchem", "welchen", "welcher", "wenn", "wer", "werde", "werden", "wie",
    "wieder", "will", "wir", "wird", "wo", "wurde", "zu", "zum", "zur",
];

/// English stop words, lowercase.
pub(crate) const ENGLISH: &[&str] = &[
    "a", "about", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
    "could", "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "how",
    "i", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "please",
    "she", "so", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "those", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will",
    "with", "would", "you", "your",
];
