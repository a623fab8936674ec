// A key of structured data (JSON) read as the label of its value, written as the recognizers' cues are written in
// prose, so that values which are personal data only after a label are found.

import { POSTCODE_LABEL, STREET_LABEL } from './detectors/address-words.js';

const SNAKE_CASE = /^[a-z]+(?:[_\-.][a-z]+)*$/;
const SEPARATORS = /[_\-.]/g;
// A key whose value is a person's name by its meaning: its label is written `last name: Gonzalez`, the name
// recognizer's cue. Other keys ending in `name` (`fileName`, `hostName`, a bare `name`) name things as often.
const PERSON_NAME_FIELD =
  /(?:^| )(?:(?:first|given|last|family|middle|maiden|full|legal|birth|person|patient|customer|contact|employee|holder|cardholder) name|(?:first|last|full|sur|fore)name|vorname|nachname|familienname|prénom|prenom|apellidos?|cognome|voornaam|achternaam|förnamn|efternamn|fornavn|etternavn|efternavn|etunimi|sukunimi)$/;

// A key whose value is a postal address: its label is written `address line: 42 Baker Street`, the address
// recognizer's cue. Not `emailAddress` or `ipAddress`.
const POSTAL_ADDRESS_FIELD =
  /^(?:(?:street|home|mailing|postal|shipping|billing|delivery|residential|customer|patient|contact|employee|current|permanent|primary|secondary) )?(?:address(?: line)?|adresse|anschrift|dirección|direccion|indirizzo|adres|adress|osoite)$/;

// A key whose value is a street (`street`, `streetName`, `Straße`) or a postcode (`zipCode`, `PLZ`): parts of an
// address that a record splits over members. Their labels are the address recognizer's own (`street name: `,
// `postcode: `). Not `gate` (Norwegian for street, and an airport's gate), `via` or `cap` (Italian street and
// postcode; English words).
const STREET_FIELD =
  /^(?:street(?: name| line)?|streetname|straße|strasse|straßenname|strassenname|straat|straatnaam|calle|rue|gata|gatuadress|gatenavn|katu|katuosoite|vej|vejnavn)$/;
const POSTCODE_FIELD =
  /^(?:post ?code|postal code|zip(?: ?code)?|postleitzahl|plz|code postal|código postal|codigo postal|postnummer|postinumero)$/;

/**
 * The words of a key (`dateOfBirth`, `date_of_birth` → `date of birth`; digits, which number fields, are left out:
 * `addressLine1` → `address line`); '' for a key that is not words.
 */
function wordsOf(key: string): string {
  if (key.length > 48) return '';
  if (SNAKE_CASE.test(key)) return key.replace(SEPARATORS, ' '); // the usual key, without the Unicode regexes below
  const words = key
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .replace(/[\s_\-.\d]+/g, ' ')
    .trim()
    .toLowerCase();
  return /^[\p{Ll}\p{Lo}]+(?: [\p{Ll}\p{Lo}]+)*$/u.test(words) ? words : '';
}

/**
 * What to write before the value of the member `key` when the value is scanned: the key's words and a gap, '' for a
 * key that is not words. Only lower-case letters and spaces, which no built-in recognizer takes for personal data.
 *
 * The gap is that of a form or config file, `date of birth = 14/03/1985`: the recognizers of labelled numbers (SSN,
 * passport, national ids, dates of birth) take it, while those of names and addresses take only prose cues (`name:`,
 * `patient`, `I live at`), so `{"fileName": "Report Q3"}` and `{"tenant": "Default Tenant"}` are not taken for persons.
 * A key that names a person's name (`firstName`, `nachname`) or a postal address (`homeAddress`, `addressLine1`) gets
 * `: `, so its value is read as a name or an address. A key that names a street or a postcode gets the address
 * recognizer's field label (`street name: Baker Street`).
 */
export function labelPrefix(key: string): string {
  const words = wordsOf(key);
  if (words === '') return '';
  if (STREET_FIELD.test(words)) return STREET_LABEL;
  if (POSTCODE_FIELD.test(words)) return POSTCODE_LABEL;
  return PERSON_NAME_FIELD.test(words) || POSTAL_ADDRESS_FIELD.test(words) ? `${words}: ` : `${words} = `;
}
