import { type Analysis, SPEECH_FILLERS, stem, STOP_WORDS } from '../../core/index.js';

/**
 * Words for topic segmentation and chapter titles: content words of speech transcripts, stemmed, with the
 * function words, fillers, backchannels and conversational verbs that every stretch of a meeting is full of
 * removed (they say nothing about what a stretch is about).
 */

export const STOPWORDS = new Set(
  (
    // function words
    'a about above across after afterwards again against all almost alone along already also although always am among an and ' +
    'another any anybody anyhow anyone anything anyway anyways anywhere are around as at away back be became because become ' +
    'becomes been before beforehand behind being below beside besides between beyond both but by can cannot could did do does ' +
    'doing done down during each either else elsewhere enough etc even ever every everybody everyone everything everywhere ' +
    'except few for former formerly from further had has have having he hence her here hereby herein hers herself him himself ' +
    'his how however i if in indeed into is it its itself just last latter least less many me meanwhile might mine more ' +
    'moreover most mostly much must my myself namely neither never nevertheless next no nobody none noone nor not nothing now ' +
    'nowhere of off often on once one ones only onto or other others otherwise our ours ourselves out over own per perhaps ' +
    'rather same several she should since so some somebody somehow someone something sometime sometimes somewhat somewhere ' +
    'still such than that the their theirs them themselves then thence there thereafter thereby therefore therein thereupon ' +
    'these they this those though through throughout thru thus to together too toward towards under until up upon us very via ' +
    'was we were what whatever when whence whenever where whereas whereby wherein whether which while whither who whoever ' +
    'whole whom whose why will with within without would yet you your yours yourself yourselves shall may let lets ' +
    // contractions as the tokeniser leaves them
    's t d ll m re ve n don didn doesn isn wasn aren weren won wouldn couldn shouldn hasn haven hadn ain cant dont im ive ' +
    'youre theyre thats whats theres heres gonna wanna gotta hafta dunno kinda sorta cause cos ish ' +
    // fillers, backchannels, greetings
    'uh um uhm umm hm hmm mm mmm mhm mm-hmm uh-huh uh-uh huh ah aha oh ooh eh er erm ow whoa wow hey hi hello bye goodbye ' +
    'yeah yea yep yup yes no nope nah okay ok kay alright right well like sure fine cool great good nice oops ' +
    'thank thanks please sorry pardon excuse ' +
    // conversational verbs and vague words
    'think thought guess suppose mean means meant know knew known say says said saying tell told talk talked talking ' +
    'go goes going gone went get gets getting got come comes coming came make makes making made take takes taking took ' +
    'see seen saw look looks looking looked want wants wanted need needs needed put puts try trying tried use used using ' +
    'give gives given gave keep keeps kept find found seem seems seemed feel felt start started stuff thing things way ways ' +
    'kind sort bit lot lots little big really actually basically probably maybe exactly definitely certainly obviously ' +
    'totally pretty quite just simply course anyway whatever ' +
    'also able new old first second third lastly time times today yesterday tomorrow moment minute minutes ' +
    'point question questions answer idea ideas everybody people person guys guy ' +
    'zero two three four five six seven eight nine ten hundred thousand'
  ).split(/\s+/),
);

/** Words too generic to name a chapter, though their rhythm still helps to tell one stretch of talk from another. */
export const GENERIC = new Set(
  (
    'different same similar general related particular specific certain main basic whole real true wrong right ' +
    'simple easy hard difficult huge small large long short high low possible important interesting able available ' +
    'fact case part example problem problems issue issues sense number numbers word words bunch couple kinds sorts ' +
    'add added adding enter change changes changed work works working worked call called calls remember understand ' +
    'agree happen happens happened wait ask asked asking bring show hear heard read write run turn move help leave ' +
    'stay stop follow mention mentioned suggest discuss discussed decide decided question answer means figure ' +
    'anyhow okay alright yeah sure currently recently finally close open top bottom end ' +
    'eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty ' +
    'seventy eighty ninety million billion half quarter percent happening strange glad tells deal finish finished ' +
    'starting ensure clear final shared saved stand'
  ).split(/\s+/),
);

export interface Token {
  stem: string;
  /** The word as spoken, with its case, for display. */
  surface: string;
  /** Position of the word among all words of its line (to find adjacent-word phrases). */
  pos: number;
  /** Written with a capital where a sentence does not begin: in German, a noun (or a name). */
  capitalInside: boolean;
}

const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

/** Words of a transcript line as written: letters, digits, inner apostrophes and hyphens; "'s", "n't" endings cut. */
export function rawWords(text: string): string[] {
  return writtenWords(text).map((w) => w.word);
}

/** rawWords, each with whether it is capitalised where no sentence begins (not first, not after . ! ? or :). */
function writtenWords(text: string): { word: string; capitalInside: boolean }[] {
  return [...text.matchAll(WORD)].map((m, i) => ({
    word: m[0].replace(/’/g, "'").replace(/'(s|t|ll|re|ve|d|m)$/i, ''),
    // The few characters before the word tell whether a sentence ends there (not the whole line: cues can be long).
    capitalInside: i > 0 && /^\p{Lu}/u.test(m[0]) && !/[.!?:]["'”’»)]*\s*$/.test(text.slice(Math.max(0, m.index - 12), m.index)),
  }));
}

/**
 * Spanish and German: Snowball's stop words, the fillers of speech (SPEECH_FILLERS), plus conversational verbs
 * and vague words. Another language's words are kept but for the shortest.
 */
const CONVERSATIONAL: Record<'es' | 'de', string> = {
  es: 'no vamos digo dice dijo decir creo cree hacer hace hizo hecho tener tiene tenía ver vez veces cosa cosas gracias ' +
    'señor señora usted ustedes bien muy',
  de: 'gut so wirklich sagen sagte gesagt glaube meine machen gemacht gibt geben kommen kam gehen ging sehen sache sachen ' +
    'danke bitte herr frau',
};
const STOP_BY_LANGUAGE: Record<Analysis, ReadonlySet<string>> = {
  en: STOPWORDS,
  es: new Set([...STOP_WORDS.es, ...SPEECH_FILLERS.es, ...CONVERSATIONAL.es.split(/\s+/)]),
  de: new Set([...STOP_WORDS.de, ...SPEECH_FILLERS.de, ...CONVERSATIONAL.de.split(/\s+/)]),
  other: new Set(),
};

/** True for (lower-case) words that can say what a stretch of talk is about. */
export function isContentWord(w: string, language: Analysis = 'en'): boolean {
  if (w.length < 3 || STOP_BY_LANGUAGE[language].has(w)) return false;
  if (/\d/.test(w)) return false;
  // Hesitations and letter runs: "mmm", "hmmm", "uhhh".
  if (/^(.)\1+$/.test(w) || /^(u+h+|u+m+|h+m+|m+h*m+|a+h+|o+h+)$/.test(w)) return false;
  return true;
}

/** Content-word tokens of a line, stemmed, each with its position among all the line's words. */
export function contentTokens(text: string, language: Analysis = 'en'): Token[] {
  const out: Token[] = [];
  const ws = writtenWords(text);
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i].word.toLowerCase().replace(/'/g, '');
    if (!isContentWord(w, language)) continue;
    out.push({ stem: stem(w, language), surface: ws[i].word.replace(/'/g, ''), pos: i, capitalInside: ws[i].capitalInside });
  }
  return out;
}

/**
 * Spanish and German words too generic to name a chapter: years, days and counts, amounts, and the verb forms
 * that narrate ("trabajaba", "gebracht"). German titles take nouns alone besides (see titleChapters), so its list
 * is of nouns.
 */
const GENERIC_BY_LANGUAGE: Record<'es' | 'de', ReadonlySet<string>> = {
  es: new Set(
    ('año años día días mes meses semana semanas hora horas vez veces parte partes tiempo momento cosa cosas gente ' +
      'ciento cientos mil miles millón millones uno una dos tres cuatro cinco seis siete ocho nueve diez doce veinte ' +
      'treinta cuarenta cincuenta sesenta setenta ochenta noventa medio media mitad ' +
      'era eran fue fueron había habían estaba estaban tenía tenían podía podían hay está están ser estar sido ' +
      'tengo tenemos tienen hemos han puede pueden quiero queremos sabe sabes mucho mucha muchos muchas todo toda ' +
      'luego después antes ahora entonces siempre nunca también tampoco aquí allí ahí así tan tanto igual ' +
      'grande grandes pequeño nuevo nueva primero primera último última mismo misma otro otra ' +
      'sí claro pues bueno vale ejemplo caso problema punto ' +
      'enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre').split(/\s+/),
  ),
  de: new Set(
    ('jahr jahre jahren jahres tag tage tagen woche wochen monat monate monaten stunde stunden zeit mal male ' +
      'prozent million millionen milliarde milliarden tausend hundert ende anfang teil teile beispiel fall frage ' +
      'fragen leute menschen ding dinge sache sachen punkt herr herren frau frauen kollege kollegen ' +
      'januar februar märz april mai juni juli august september oktober november dezember').split(/\s+/),
  ),
};

/** Whether a token may name a chapter in `language` (its generic words and, in Spanish, narrating verb forms left out). */
export function isTitleWord(surface: string, language: Analysis = 'en'): boolean {
  const w = surface.toLowerCase();
  if (language === 'en') return !GENERIC.has(w) && !/ly$/.test(w);
  if (language === 'other') return true;
  if (GENERIC_BY_LANGUAGE[language].has(w)) return false;
  // Spanish imperfects and gerunds ("trabajaba", "íbamos", "cerrando") tell what happened, not what about;
  // hundreds ("cuatrocientas") count it.
  return language !== 'es' || !/(?:aba|abas|aban|ábamos|íamos|ando|iendo|cientos|cientas)$/.test(w);
}

/** A keyword as a title word: "remote control" → "Remote Control"; acronyms as spoken ("XML", "NIST"). */
export function titleWord(surface: string): string {
  return surface
    .split(/\s+/)
    .map((w) => (w.length >= 2 && w === w.toUpperCase() && /\p{L}/u.test(w) ? w : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()))
    .join(' ');
}

/**
 * Phrases with which meetings change topic ("moving on", "the next item", "let's talk about", "questions now on"):
 * the cue phrases of discourse segmentation (Passonneau & Litman 1997; Galley et al. 2003).
 */
const TRANSITION =
  /\b(?:mov(?:e|ing) on|go(?:ing)? on (?:now )?to|turn(?:ing)? (?:now )?to|switch(?:ing)? to|next (?:agenda )?(?:item|topic|question|questions|point|thing|issue|section|subject|phase|presentation|speaker)|(?:some|any|the|a few) questions (?:now )?(?:on|about|from)|let'?s (?:talk|move|go|turn|look|start|begin|discuss|get)|(?:any other|new) business|agenda|(?:first|last|final) (?:item|question|topic|point)|to begin with|to start with|shift (?:gears|to))\b/i;

// The same in Spanish and German council and interview talk ("pasamos al siguiente punto", "kommen wir zu").
const TRANSITION_ES = /\b(?:pasa(?:mos|r) a(?:l)?|siguiente (?:punto|tema|pregunta)|punto (?:siguiente|del orden del día)|orden del día|vamos a hablar de|hablemos de|(?:primer|último) punto|ruegos y preguntas)\b/i;
const TRANSITION_DE = /(?:^|\s)(?:kommen wir (?:nun |jetzt )?zu|(?:nächste[nrs]?|letzte[nrs]?) (?:punkt|thema|frage|tagesordnungspunkt)|tagesordnungspunkt|zum nächsten|reden wir (?:über|von)|sprechen wir über|verschiedenes)(?=\s|[.,;:!?]|$)/i;

/** Whether the opening words of a line announce a change of topic. */
export function isTransition(text: string): boolean {
  // Corpus tokenisation splits contractions ("let 's"): join them back first.
  const head = text.replace(/\s+(['’])/g, '$1').split(/\s+/).slice(0, 40).join(' ');
  return TRANSITION.test(head) || TRANSITION_ES.test(head) || TRANSITION_DE.test(head);
}
