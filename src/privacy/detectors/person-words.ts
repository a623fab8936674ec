// Word lists of the person recognizer: titles, name particles, cues before a name, and words that end a name run.

const list = (s: string): ReadonlySet<string> => new Set(s.trim().split(/\s+/));

/** Titles and forms of address (lower case, without a final dot) in the supported languages. */
export const TITLES = list(`
mr mrs ms miss mx dr prof sir dame lady lord rev
herr frau fr hr dipl ing
m mme mlle monsieur madame mademoiselle
sr sra srta señor señora señorita don doña dña
sig sigra signor signore signora signorina dott dottssa dottoressa avv ing
dhr mevr mevrouw meneer mw
fru frøken fröken
`);

/** Lower-case particles inside family names: `van der`, `de la`, `von`, `di`, `af`. */
export const PARTICLES = list(`van der den de la le du des von zu di da del della dos das los las af av ter ten`);

/**
 * Cues that announce a name right after them (matched at the end of the window before the name).
 * Generic words ("with", "from") are not cues: they would lift every pair of capitalised words.
 */
export const NAME_CUES = [
  'my name is', 'name is', 'name:', 'named', 'called', "i'm", 'i am', 'this is', 'patient', 'dear', 'signed',
  'regards', 'sincerely', 'contact person', 'employee', 'customer', 'applicant', 'tenant', 'passenger',
  'mein name ist', 'ich heiße', 'ich heisse', 'ich bin', 'patientin', 'patient:', 'liebe', 'lieber', 'kunde', 'kundin',
  "je m'appelle", 'je suis', 'nom :', 'nom:', 'cher', 'chère', 'le patient', 'la patiente',
  'me llamo', 'mi nombre es', 'soy', 'estimado', 'estimada', 'paciente', 'el paciente', 'la paciente',
  'mi chiamo', 'il mio nome è', 'sono', 'gentile', 'caro', 'cara', 'paziente', 'il paziente', 'la paziente',
  'ik heet', 'mijn naam is', 'ik ben', 'beste', 'patiënt', 'geachte',
  'jag heter', 'mitt namn är', 'jeg heter', 'jeg hedder', 'mit navn er', 'mitt navn er', 'hej', 'hei', 'kære', 'kjære',
  'minun nimeni on', 'nimeni on', 'olen',
  'меня зовут', 'пациент', 'ονομάζομαι', 'με λένε',
];

/** Capitalised words that end a candidate: organisations, places and street words. */
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
shop store stores market markets foods food kitchen fashion collection edition series pro max mini plus
`);

/** Articles right before a capitalised pair suggest a product or organisation (`the Ford Mustang`). */
export const ARTICLES = list(`the der die das le la les el il het`);
