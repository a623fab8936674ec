// Word lists of the person recognizer: titles, name particles, cues before a name, and words that end a name run.

const list = (s: string): ReadonlySet<string> => new Set(s.trim().split(/\s+/));

/** Titles and forms of address (lower case, without a final dot) in the supported languages. */
export const TITLES = list(`
mr mrs ms miss mx dr prof sir dame lady lord rev
herr herrn frau fr hr dipl ing
m mme mlle monsieur madame mademoiselle
sr sra srta señor señora señorita don doña dña
sig sigra signor signore signora signorina dott dottssa dottoressa avv ing
dhr mevr mevrouw meneer mw
fru frøken fröken
doctor docteur dokter doktor doctora dottor dottore professor professeur profesor profesora professore professoressa
mister heer herra rouva neiti
`);

/** Lower-case particles inside family names: `van der`, `de la`, `von`, `di`, `af`. */
export const PARTICLES = list(`van der den de la le du des von zu di da del della dos das los las af av ter ten`);

/**
 * Cues that announce a name right after them (matched at the end of the window before the name).
 * Generic words ("with", "from") are not cues: they would lift every pair of capitalised words.
 */
export const NAME_CUES = [
  'my name is',
  'name is',
  'name:',
  'named',
  'called',
  "i'm",
  'i am',
  'this is',
  'patient',
  'dear',
  'signed',
  'regards',
  'sincerely',
  'contact person',
  'employee',
  'customer',
  'applicant',
  'tenant',
  'passenger',
  'mein name ist',
  'ich heiße',
  'ich heisse',
  'ich bin',
  'patientin',
  'patient:',
  'liebe',
  'lieber',
  'kunde',
  'kundin',
  "je m'appelle",
  'je suis',
  'nom :',
  'nom:',
  'cher',
  'chère',
  'le patient',
  'la patiente',
  'me llamo',
  'mi nombre es',
  'soy',
  'estimado',
  'estimada',
  'paciente',
  'el paciente',
  'la paciente',
  'mi chiamo',
  'il mio nome è',
  'sono',
  'gentile',
  'caro',
  'cara',
  'paziente',
  'il paziente',
  'la paziente',
  'ik heet',
  'mijn naam is',
  'ik ben',
  'beste',
  'patiënt',
  'geachte',
  'jag heter',
  'mitt namn är',
  'jeg heter',
  'jeg hedder',
  'mit navn er',
  'mitt navn er',
  'hej',
  'hei',
  'kære',
  'kjære',
  'minun nimeni on',
  'nimeni on',
  'olen',
  'меня зовут',
  'пациент',
  'ονομάζομαι',
  'με λένε',
];

/**
 * Capitalised words that end a candidate: organisations, places, street words, product words (`Claude Code`,
 * `iPhone Pro`), model names (`Claude Sonnet`, which coding agents' prompts name), holidays, the teams that sign
 * letters (`Kind regards,\nCustomer Service`, `Human Resources`, `Ihr Kundenservice`) and what business prose puts
 * after a cue's word (`Customer Satisfaction`, `Patient Safety`, `Employee Engagement`, `Revenue Growth`).
 */
export const NON_NAME_TAILS = list(`
inc ltd llc plc gmbh ag kg ug sa sas sarl spa srl bv nv ab as asa oy oyj aps co corp corporation company
group holding holdings bank foundation stiftung university universität université universidad università
universiteit institute institut hospital klinik clinic school college academy street st road rd avenue ave
lane drive boulevard way square place straße strasse str weg platz gasse allee hotel restaurant café cafe
airport station park labs lab technologies technology systems solutions consulting partners associates
brothers bros motors pharma media studios studio records press times post journal news center centre
church cathedral museum gallery theatre theater stadium arena bridge tower castle river valley mountain
island islands beach bay lake county state republic kingdom airlines airways cup league award prize
home world living investment investments bedrijf aktiebolag pictures music prime premium teams sheets database
shop store stores market markets foods food kitchen fashion collection edition series pro max mini plus code
opus sonnet haiku
christmas xmas year birthday holidays holiday easter thanksgiving halloween hanukkah diwali weekend anniversary
service services support team department dept desk helpdesk office resources relations management operations sales
marketing billing accounting payroll finance procurement compliance admissions reception administration staff
kundenservice kundendienst kundensupport abteilung verwaltung personalabteilung équipe servicio servizio equipo
klantenservice afdeling kundtjänst kundeservice asiakaspalvelu
satisfaction success experience engagement benefits care safety screening journey retention feedback data onboarding
portal records account accounts survey loyalty acquisition insights analytics profile details lifetime segment churn
complaints reviews outreach communications handbook wellbeing wellness training turnover attrition productivity
performance evaluation recognition rewards referral referrals advocacy intake growth revenue health
`);

/**
 * The words before `name is` or `name:` after which a name written in small letters is still a name (`my
 * name is mary jones`, `mein name: anna`): a person's name announced in so many words. A thing's name is written so
 * too (`name: nginx`, `the file name is report`), so the word before `name` is needed.
 */
export const LOWER_CASE_NAME_OWNERS = list(`my her his your their our full first last given legal mein meine ihr sein`);

/** Greetings and thanks that may come right before a lone given name (`Hi Jonathan,`, `Thanks, Maria`). */
export const GREETINGS = list(`
hi hello hey hallo moin servus bonjour salut coucou hola buenas ciao salve hej hoi hei moi thanks danke merci gracias
grazie tack takk kiitos bedankt
`);

/** Given names that a greeting names an assistant or a brand by (`Hi Claude`, `Hey Siri`, `Hello Kitty`). */
export const GREETED_NOT_PERSONS = list(`claude siri alexa cortana gemini copilot jarvis bard kitty`);

/** Of NON_NAME_TAILS, the words that are given names at a name's start (`Max Mustermann`, not `Claude Max`). */
export const TAILS_THAT_START_NAMES: ReadonlySet<string> = new Set(['max', 'asa']);

/**
 * Words before `name:` or `name is` that make it a person's name (`Full name:`, `her name is`); after any other word
 * (`Display name:`, `file name is`) it names a thing. `s` is a possessive's (`mother's name:`).
 */
export const PERSON_NAME_OWNERS = list(`
my your his her their our whose the a s full first given last family middle maiden legal birth person patient customer
contact employee holder cardholder client applicant tenant passenger guest member owner manager author sender recipient
user child mother father parent spouse partner emergency doctor student
`);

/** Articles right before a capitalised pair suggest a product or organisation (`the Ford Mustang`). */
export const ARTICLES = list(`the der die das le la les el il het`);

/**
 * Words that, in the same sentence near a pair of capitalised words, say it names an organisation or a product
 * (`its`, `company`, `brand`, `market`, `shares`, `competitor`): general business vocabulary in the supported
 * languages.
 */
export const ORG_CONTEXT = list(`
its company companies brand brands product products market markets shares stock stocks competitor competitors
partnership subscription subscriptions retailer retailers vendor vendors supplier suppliers firm firms corporation
subsidiary acquisition acquired headquarters headquartered founded launched franchise dealership dealerships stores
outlets manufacturer manufacturers startup logo ipo revenue revenues earnings shareholders investors merger sponsorship
firma unternehmen marke marken produkt produkte markt marktanteil aktie aktien konkurrent konkurrenten wettbewerber
partnerschaft hersteller konzern händler lieferant tochtergesellschaft filiale filialen umsatz
entreprise société marque marques produit produits marché concurrent concurrents partenariat fabricant fournisseur
enseigne filiale
empresa compañía marca marcas producto productos mercado acciones competidor competidores fabricante proveedor
azienda società marchio prodotto prodotti mercato azioni concorrente concorrenti produttore fornitore
bedrijf merk merken producten aandelen fabrikant leverancier
företag varumärke produkter marknad aktier selskap selskab merke mærke marked aksjer yritys tuote
`);

/**
 * Words that, in the same sentence near a pair of capitalised words, say it names a person: speaking, writing and
 * meeting, people's roles and pronouns, in the supported languages. They lift pairs whose first word is not in the
 * given-name list (`Prudenzio Cappelletti` in an uncommon spelling).
 */
export const PERSON_CONTEXT = list(`
email e-mail mail emailed call called phone phoned spoke talked met meeting letter wrote told asked said says signed
replied complaint colleague hire hired manager patient client customer employee who whom he she him his her himself
herself wife husband son daughter mother father brother sister friend
anruf angerufen telefoniert gesprochen brief schrieb kollege kollegin beschwerde kunde kundin patientin ihm
courriel appel appelé téléphoné parlé lettre collègue recrue réclamation plainte cliente lui elle
correo llamada llamé hablé habló carta compañero compañera queja él ella
telefono telefonato parlato lettera collega reclamo lui lei
gebeld gesproken collega klacht klant hij zij
mejl e-post samtal pratade snakket talte kollega kollegi klagomål kund han hon hun
sähköposti henkilölle soitin puhuin kanssa
`);

/** Conjunctions that join names or companies in a list (`Smith and Jones`, `Müller und Söhne`). */
export const CONJUNCTIONS: ReadonlySet<string> = new Set(['&', 'and', 'und', 'et', 'y', 'e', 'en', 'og', 'och']);
const CONJUNCTION = [...CONJUNCTIONS].join('|');

const DESIGNATORS = String.raw`S\.A\.?|S\.L\.?|S\.p\.A\.?|S\.r\.l\.?|S\.A\.S\.?|B\.V\.?|N\.V\.?|A\/S|Inc\.?|Ltd\.?|LLC|PLC|GmbH|AG|KG|UG|SE|Corp\.?|SA|SAS|SARL|SpA|Srl|BV|NV|AB|ASA|Oyj?|ApS|e\s+figli|Hermanos|Asociados|Aktiebolag|und\s+Söhne|and\s+Sons`;

/**
 * A company designator and a conjunction right before a name-shaped run: the run is the next company of a list
 * (`Bergqvist Aktiebolag and Eriksson Martinsson`).
 */
export const COMPANY_BEFORE = new RegExp(
  String.raw`(?<![\p{L}\p{N}])(?:${DESIGNATORS})\s*(?:,|\s(?:${CONJUNCTION}))\s*$`,
  'u',
);

/** Company designators after a name-shaped run (`Hansen Elektronik A/S`, `Di Vita, Cinelli e Morri e figli`). */
export const COMPANY_DESIGNATOR = new RegExp(
  String.raw`(?:(?:,\s*|\s+(?:${CONJUNCTION})\s+)(?:\p{Lu}[\p{L}\p{M}'’\-]*\s?){1,4})*,?\s*` +
    String.raw`(?:&\s*(?:Co|Cie|Söhne|Sons|fils|figli|hijos)|${DESIGNATORS})(?![\p{L}\p{N}])`,
  'uy',
);
