// Hand-written sentence templates and hard negatives of the privacy evaluation set; `{x}` marks where a generated value goes.

/** Sentences around a person's name, per language; `{name}` is "Given Family", `{title}` a form of address, `{last}` the family name. */
export const PERSON_TEMPLATES: Record<string, string[]> = {
  en: ['My name is {name} and I need help with a refund.', 'Please draft an email to {name} about the delayed shipment.', 'I had a call with {name} yesterday, can you summarise it?', '{title} {last} asked for a copy of the contract.', 'Dear {name}, thank you for your letter.', 'Our new hire {name} starts on Monday.', 'Can you check whether {name} signed the form?', 'Summarise the complaint from {name}.', 'Patient {name} reports chest pain since Tuesday.', 'Write a reference letter for {name}, who worked with us for five years.'],
  de: ['Mein Name ist {name} und ich habe eine Frage zu meiner Rechnung.', 'Bitte schreib eine E-Mail an {name} wegen der Lieferung.', 'Ich habe gestern mit {name} telefoniert.', '{title} {last} hat den Vertrag noch nicht unterschrieben.', 'Sehr geehrte Damen und Herren, im Auftrag von {name} schreibe ich Ihnen.', 'Unsere neue Kollegin {name} beginnt am Montag.', 'Kannst du prüfen, ob {name} das Formular geschickt hat?', 'Fasse die Beschwerde von {name} zusammen.'],
  fr: ["Je m'appelle {name} et j'ai un problème avec ma commande.", 'Peux-tu écrire un mail à {name} au sujet du retard ?', "J'ai eu un appel avec {name} hier.", '{title} {last} a demandé une copie du contrat.', 'Notre nouvelle recrue {name} commence lundi.', 'Résume la réclamation de {name}.', 'Le dossier de {name} est incomplet.'],
  es: ['Me llamo {name} y tengo una duda sobre mi factura.', 'Escribe un correo a {name} sobre el retraso del envío.', 'Ayer hablé con {name} por teléfono.', '{title} {last} pidió una copia del contrato.', 'Nuestra nueva compañera {name} empieza el lunes.', 'Resume la queja de {name}.', 'El expediente de {name} está incompleto.'],
  it: ['Mi chiamo {name} e ho un problema con il mio ordine.', "Scrivi un'email a {name} per il ritardo della consegna.", 'Ieri ho parlato al telefono con {name}.', '{title} {last} ha chiesto una copia del contratto.', 'Il nostro nuovo collega {name} inizia lunedì.', 'Riassumi il reclamo di {name}.', 'La pratica di {name} è incompleta.'],
  nl: ['Mijn naam is {name} en ik heb een vraag over mijn factuur.', 'Schrijf een mail aan {name} over de vertraagde levering.', 'Ik heb gisteren met {name} gebeld.', '{title} {last} heeft om een kopie van het contract gevraagd.', 'Onze nieuwe collega {name} begint maandag.', 'Vat de klacht van {name} samen.'],
  sv: ['Jag heter {name} och har en fråga om min faktura.', 'Skriv ett mejl till {name} om den försenade leveransen.', 'Jag pratade med {name} i går.', 'Vår nya kollega {name} börjar på måndag.', 'Sammanfatta klagomålet från {name}.'],
  nb: ['Jeg heter {name} og har et spørsmål om fakturaen.', 'Skriv en e-post til {name} om den forsinkede leveransen.', 'Jeg snakket med {name} i går.', 'Vår nye kollega {name} begynner på mandag.'],
  da: ['Jeg hedder {name} og har et spørgsmål til min faktura.', 'Skriv en mail til {name} om den forsinkede levering.', 'Jeg talte med {name} i går.', 'Vores nye kollega {name} starter på mandag.'],
  fi: ['Nimeni on {name} ja minulla on kysymys laskusta.', 'Kirjoita sähköposti henkilölle {name} viivästyneestä toimituksesta.', 'Puhuin eilen {name} kanssa.'],
  ru: ['Меня зовут {name}, у меня вопрос по счёту.', 'Пациент {name} жалуется на боль.'],
  el: ['Με λένε {name} και έχω μια ερώτηση.', 'Ονομάζομαι {name} και χρειάζομαι βοήθεια.'],
};

export const TITLES: Record<string, string[]> = {
  en: ['Mr', 'Mrs', 'Ms', 'Dr', 'Mr.', 'Mrs.', 'Dr.', 'Prof.'], de: ['Herr', 'Frau', 'Dr.'], fr: ['M.', 'Mme', 'Monsieur', 'Madame'],
  es: ['Sr.', 'Sra.', 'Don', 'Doña'], it: ['Sig.', 'Sig.ra', 'Dott.', 'Signor'], nl: ['Dhr.', 'Mevr.', 'Meneer', 'Mevrouw'],
};

/** Sentences around a postal address; `{address}` is the whole address. */
export const ADDRESS_TEMPLATES: Record<string, string[]> = {
  en: ['I live at {address}.', 'Please ship the order to {address}.', 'My new address is {address}, can you update my account?', 'The parcel was delivered to {address} instead of my office.', 'Send the invoice to {address}.', 'We are moving to {address} next month.'],
  de: ['Ich wohne in der {address}.', 'Meine neue Adresse lautet {address}.', 'Bitte liefern Sie an {address}.', 'Die Rechnung geht an {address}.'],
  fr: ["J'habite au {address}.", 'Ma nouvelle adresse est {address}.', 'Merci de livrer au {address}.', 'La facture doit être envoyée au {address}.'],
  es: ['Vivo en {address}.', 'Mi nueva dirección es {address}.', 'Envíen el pedido a {address}.', 'La factura va a {address}.'],
  it: ['Abito in {address}.', 'Il mio nuovo indirizzo è {address}.', 'Spedite il pacco a {address}.', 'La fattura va inviata a {address}.'],
  nl: ['Ik woon op {address}.', 'Mijn nieuwe adres is {address}.', 'Stuur het pakket naar {address}.'],
  sv: ['Jag bor på {address}.', 'Min nya adress är {address}.', 'Skicka paketet till {address}.'],
  nb: ['Jeg bor i {address}.', 'Min nye adresse er {address}.', 'Send pakken til {address}.'],
  da: ['Jeg bor på {address}.', 'Min nye adresse er {address}.', 'Send pakken til {address}.'],
  fi: ['Asun osoitteessa {address}.', 'Uusi osoitteeni on {address}.', 'Lähetä paketti osoitteeseen {address}.'],
};

/** Sentences with a date of birth; `{date}` is the date as written in that language. */
export const DOB_TEMPLATES: Record<string, string[]> = {
  en: ['I was born on {date} in Leeds.', 'Date of birth: {date}', 'DOB {date}, non-smoker.', 'The patient, born {date}, was admitted today.', 'My birthday is {date}.'],
  de: ['Ich bin am {date} geboren.', 'Geburtsdatum: {date}', 'Der Patient, geb. {date}, wurde heute aufgenommen.', 'geboren am {date} in Köln'],
  fr: ['Je suis né le {date} à Lyon.', 'Date de naissance : {date}', 'La patiente, née le {date}, a été admise.'],
  es: ['Nací el {date} en Sevilla.', 'Fecha de nacimiento: {date}', 'La paciente, nacida el {date}, ingresó hoy.'],
  it: ['Sono nato il {date} a Bologna.', 'Data di nascita: {date}', 'La paziente, nata il {date}, è stata ricoverata.'],
  nl: ['Ik ben geboren op {date} in Utrecht.', 'Geboortedatum: {date}'],
  sv: ['Jag är född {date} i Uppsala.', 'Födelsedatum: {date}'],
  da: ['Jeg er født {date} i Aarhus.', 'Fødselsdato: {date}'],
  nb: ['Jeg er født {date} i Bergen.', 'Fødselsdato: {date}'],
};

/** Sentences with a national id; `{id}` is the id. Some have no cue, as people also write. */
export const ID_TEMPLATES: Record<string, string[]> = {
  nino: ['My National Insurance number is {id}.', 'NI number: {id}', 'NINO {id}', 'Please update the record for {id} in payroll.'],
  steuer_id: ['Meine Steuer-ID ist {id}.', 'Steueridentifikationsnummer: {id}', 'DE tax id {id}', 'Bitte trage die IdNr {id} ein.'],
  nir: ['Mon numéro de sécurité sociale est {id}.', 'N° de sécu : {id}', 'NIR {id}', 'Carte vitale {id} à mettre à jour.'],
  dni: ['Mi DNI es {id}.', 'DNI: {id}', 'NIF {id}', 'El titular con documento {id} no ha pagado.'],
  nie: ['Mi NIE es {id}.', 'NIE: {id}', 'Número de extranjero {id}'],
  codice_fiscale: ['Il mio codice fiscale è {id}.', 'Codice fiscale: {id}', 'C.F. {id}', 'Intestatario {id}, pratica aperta.'],
  bsn: ['Mijn BSN is {id}.', 'Burgerservicenummer: {id}', 'BSN {id}', 'Sofinummer {id} klopt niet.'],
  itin: ['My ITIN is {id}.', 'ITIN: {id}', 'Taxpayer ID {id} for the 1040 form.', 'File it under {id} please.'],
};

export const PASSPORT_TEMPLATES = ['My passport number is {id}.', 'Passport no. {id}, expires 2031.', 'Reisepassnummer: {id}', 'Numéro de passeport : {id}', 'Número de pasaporte {id}', 'Numero di passaporto: {id}', 'Paspoortnummer {id}'];

/** Product and company names, some of them made of given names and surnames. */
export const BRANDS = [
  'Ben & Jerry', 'Tommy Hilfiger', 'Hugo Boss', 'Johnson & Johnson', 'Marks & Spencer', 'Calvin Klein', 'Ralph Lauren', 'Dr. Oetker',
  'Jack Daniels', 'Tim Hortons', 'Victoria Secret', 'Louis Vuitton', 'Christian Dior', 'Yves Saint Laurent', 'Giorgio Armani', 'Ferrari',
  'Lamborghini', 'Mercedes-Benz', 'Adobe Photoshop', 'Microsoft Teams', 'Google Sheets', 'Apple Music', 'Amazon Prime', 'Tesla Model Y',
  'Ford Mustang', 'Toyota Corolla', 'Volkswagen Golf', 'Renault Clio', 'Fiat Panda', 'Philips Hue', 'Bosch', 'Siemens Healthineers',
  'Nestlé', 'Zara Home', 'Massimo Dutti', 'Carrefour', 'Albert Heijn', 'Hennes & Mauritz', 'IKEA Billy', 'Spotify Premium', 'Slack',
  'Notion', 'Jira Service Management', 'Salesforce Einstein', 'Oracle Database', 'Red Hat Enterprise Linux', 'Visual Studio Code',
  'Wells Fargo', 'Morgan Stanley', 'Goldman Sachs', 'Charles Schwab', 'Merrill Lynch', 'Deutsche Bank', 'Banco Santander', 'Crédit Agricole',
  'Pizza Hut', 'Martha Stewart Living', 'Walt Disney World', 'Warner Bros', 'Paramount Pictures', 'Alfa Romeo Giulia', 'Aston Martin',
];
export const BRAND_TEMPLATES = ['Compare {brand} with its main competitor.', 'Write a product description in the style of {brand}.', 'What is the market share of {brand} in Europe?', 'Our team switched to {brand} last quarter.', 'Draft a tweet announcing our partnership with {brand}.', 'Is {brand} a good choice for a small office?'];

/** Prose with street-like words, dates that are not births, version and order numbers, and code. */
export const HARD_NEGATIVES = [
  'We walked down the street and talked about the road ahead.', 'Main Street shops are struggling against online retail.', 'Take the high road, not the easy one.',
  'The Park Avenue look is back in fashion.', 'Wall Street reacted badly to the rate decision.', 'Abbey Road is the eleventh studio album by the Beatles.',
  'In Monopoly, Park Lane and Mayfair are the most expensive squares.', 'Sesame Street has taught children for decades.', 'The office moved two floors up.',
  'Chapter 5 Park Management covers the budget.', 'Turn left after 200 metres and follow the signs.', 'The meeting is on 14/03/2025 at 10:00.',
  'The invoice dated 03.11.2024 is still unpaid.', 'Version 2.14.3 was released on 2024-06-01.', 'The deadline is 31 March 2025.', 'Our company was founded on 12 May 1998.',
  'The contract runs from 01/01/2024 to 31/12/2026.', 'Quarterly results for 30 September 2024 are attached.', 'Order 48213977 shipped on 5 June 2024.',
  'The ticket number is 20240611-0042.', 'Use port 8080 and retry after 30 seconds.', 'The population grew by 123456789 people over the period.',
  'const user = await db.users.findOne({ id: 42 });', 'SELECT name, street FROM addresses WHERE city = ?;', 'for (let i = 0; i < 10; i++) console.log(i);',
  'def full_name(first, last):\n    return f"{first} {last}"', 'git commit -m "Fix Main Street layout"', 'docker run -p 5432:5432 postgres:15',
  'import React from "react";\nexport default function App() { return <Layout />; }', 'class PersonRepository extends BaseRepository<Person> {}',
  'curl -X POST https://api.example.com/v1/items -d \'{"qty": 3}\'', 'The hash is 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.',
  'Set TIMEOUT=30000 and MAX_RETRIES=5 in the environment.', 'The function returns 86095742718 when the overflow happens.', 'SKU 4006381333931 is out of stock.',
  'Spring Boot 3.2 with Hibernate 6 is our stack.', 'Read Pride and Prejudice for the book club.', 'The Grand Budapest Hotel won four Oscars.',
  'New York and Los Angeles lead the ranking.', 'Rio de Janeiro hosted the 2016 Olympics.', 'San Francisco Bay Area rents keep rising.',
  'Die Hauptstraße ist wegen Bauarbeiten gesperrt.', 'Am Montag treffen wir uns im Büro.', 'Das Meeting findet am 14.03.2025 statt.',
  "La rue principale est fermée pour travaux.", 'Le rendez-vous est fixé au 14 mars 2025.', 'La calle mayor está cortada por obras.', 'La reunión es el 14 de marzo de 2025.',
  'Via libera al progetto dal consiglio comunale.', 'La riunione è il 14 marzo 2025.', 'De straat is afgesloten vanwege werkzaamheden.', 'Vergadering op 14 maart 2025.',
  'Gatan var full av folk under festivalen.', 'Mødet er den 14. marts 2025.', 'Katu on suljettu korjaustöiden vuoksi.',
];
