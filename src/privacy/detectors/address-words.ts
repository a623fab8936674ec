// Street words and postcode shapes of the address recognizer (EN, DE, FR, ES, IT, NL, Nordic).

const alt = (s: string): string => s.trim().split(/\s+/).join('|');

/** English street types (USPS and UK), after the street name: `42 Baker Street`. */
export const EN_SUFFIXES = alt(`
Street St Road Rd Avenue Ave Lane Ln Drive Dr Boulevard Blvd Court Ct Place Pl Way Terrace Ter Close Crescent
Cres Square Sq Gardens Gdns Grove Green Hill Mews Row Walk Parade Park Parkway Pkwy Highway Hwy Circle Cir
Trail Trl Plaza Mill Mills Manor Meadow Meadows Ridge Heights Hts Point Crossing Estates Path Pike Run Loop
Bypass Causeway Alley Bend Bluff Branch Brook Center Centre Cliff Common Corner Cove Creek Crest Dale Divide
Expressway Expy Extension Falls Ferry Field Fields Flats Ford Forest Forge Fork Fort Freeway Fwy Garden
Gateway Glen Harbor Harbour Haven Hollow Island Isle Junction Knoll Lake Landing Lodge Mall Mission Motorway
Mount Mountain Orchard Oval Pass Passage Pines Plains Port Prairie Ranch Rapids Route Shore Shores Spring
Springs Spur Stream Summit Trace Track Tunnel Turnpike Valley Viaduct View Village Ville Vista Wells Wharf
Wood Woods Broadway Embankment Rise Vale Yard Quay Gate Hills Acres Chase Glade Fall Mead Brow Wynd Curve
Estate Lock Ramp Shoal Stravenue Trafficway Underpass Union Wall Gardens Grange Circus Approach Hey Fold Nook Rd\\. St\\. Ave\\. Dr\\. Ln\\. Blvd\\.
`);

/** Street types that begin the street name: French, Spanish, Italian (`rue de Rivoli`, `Calle Mayor`, `Via Roma`). */
export const PREFIX_TYPES = alt(`
rue avenue av\\. boulevard bd\\.? place impasse allée quai chemin route cours passage square voie rond-point
faubourg sentier villa cité hameau résidence esplanade promenade
calle c\\/ avenida avda\\.? plaza pza\\.? paseo camino carretera ronda travesía glorieta callejón urbanización
pasaje rambla costanilla cuesta arroyo bajada barrio bloque edificio explanada extrarradio huerta lado mercado
muelle parcela polígono prolongación puente quinta ramal riera rincón rúa rua salida solar terrenos torrente
urbanización apartamento caserío caserio carrera jardines vía
via viale piazza piazzale corso vicolo largo strada contrada borgo rotonda lungomare località loc\\.
`);

/** Endings of one-word street names: German, Dutch, Nordic and Finnish (`Hauptstraße`, `Kerkstraat`, `Storgatan`). */
export const COMPOUND_ENDINGS = alt(`
straße strasse str\\. weg allee platz gasse ring damm ufer pfad steig chaussee markt graben wall kamp anger
straat laan plein gracht kade singel dijk dreef steeg baan plantsoen park hof
gatan gata gate vägen väg veien vei vej gade gaden stræde allé alle allén alléen stig torget torg plass plads gränd gränden backe bakken
tie katu kuja polku ranta rinne kaari väylä aukio linja raitti piha penger
`);

/** German names of streets made of a preposition and a noun: `Am Markt 3`, `An der Kirche 5`. */
export const DE_PREPOSITIONS = alt(
  `Am An\\sder An\\sden Auf\\sdem Auf\\sder Im In\\sder In\\sden Zum Zur Unter\\sden Hinter\\sder Vor\\sdem`,
);

/** Words that start a line of the address after the street: flat, suite, floor. */
export const UNIT_WORDS = alt(`
Apt\\.? Apartment Suite Ste\\.? Unit Flat Floor Fl\\.? Room No\\. Wohnung Whg\\.? Etage Stock Zimmer Appartement Apt Bât\\.?
Bâtiment Piso Puerta Planta Bajo Esc\\.? Scala Piano Interno Int\\.? Appartamento Lgh\\.? Leil\\.? Lejl\\.? Hus Oppgang
hoog bus
`);

/** A floor or door after the number: `4 OG`, `6 étage`, `3º B`, `1 hoog`, `2. tv`. */
export const FLOOR = String.raw`(?:\d{1,2}\.?\s?(?:OG|Etage|Stock|étage|hoog(?: achter| voor)?|piso|[º°ª](?:\s?(?:[A-Z]|Dcha|Izda)\.?)?|tv|th|mf)|I{1,3}|IV|[A-H](?: \d{1,3})?)`;

/** Cues before an address; they lift a street-shaped candidate without a known street type. */
export const ADDRESS_CUES = [
  'address is',
  'adresse lautet',
  'adresse ist',
  'adresse est',
  'dirección es',
  'indirizzo è',
  'adres is',
  'adress är',
  'adresse er',
  'osoitteeni on',
  'osoite on',
  'live at',
  'lives at',
  'living at',
  'address is',
  'address:',
  'address',
  'ship to',
  'deliver to',
  'send it to',
  'moved to',
  'located at',
  'residing at',
  'resident at',
  'wohne in der',
  'wohne in',
  'wohne am',
  'wohnhaft in',
  'adresse:',
  'adresse',
  'anschrift',
  'lieferadresse',
  "j'habite au",
  "j'habite",
  'habite au',
  'domicilié au',
  'domiciliée au',
  'domicile',
  'vivo en',
  'vive en',
  'dirección:',
  'dirección',
  'domicilio',
  'resido en',
  'abito in',
  'abita in',
  'indirizzo:',
  'indirizzo',
  'residente in',
  'domicilio in',
  'ik woon op',
  'ik woon aan',
  'woont op',
  'woont aan',
  'adres:',
  'adres',
  'woonadres',
  'jag bor på',
  'bor på',
  'adress:',
  'adress',
  'jeg bor på',
  'jeg bor i',
  'bor i',
  'asun',
  'osoite',
  'osoitteessa',
];
