// A key of structured data (JSON) read as the label of its value, written as the recognizers' cues are written in
// prose, so that values which are personal data only after a label are found.

import { keyWords, POSTCODE_KEY, STREET_KEY } from './detectors/field-keys.js';

// A key whose value is a person's name by its meaning: its label is written `last name: Gonzalez`, the name
// recognizer's cue. Other keys ending in `name` (`fileName`, `hostName`, a bare `name`) name things as often. A bare
// `family` or `given` is FHIR's (a patient's `"name": [{"family": …, "given": […]}]`).
const PERSON_NAME_FIELD =
  /^(?:family|given)$|(?:^| )(?:(?:first|given|last|family|middle|maiden|full|legal|birth|person|patient|customer|contact|employee|holder|cardholder) name|(?:first|last|full|sur|fore)name|vorname|nachname|familienname|prénom|prenom|apellidos?|cognome|voornaam|achternaam|förnamn|efternamn|fornavn|etternavn|efternavn|etunimi|sukunimi)$/;

// A key whose value is a postal address: its label is written `address line: 42 Baker Street`, the address
// recognizer's cue. Not `emailAddress` or `ipAddress`.
const POSTAL_ADDRESS_FIELD =
  /^(?:(?:street|home|mailing|postal|shipping|billing|delivery|residential|customer|patient|contact|employee|current|permanent|primary|secondary) )?(?:address(?: line)?|adresse|anschrift|dirección|direccion|indirizzo|adres|adress|osoite)$/;

// A key whose value may be a credential (the credential recognizer decides: `api key`, not `key` alone).
const CREDENTIAL_FIELD = /(?:^| )(?:password|passwd|pwd|passphrase|passcode|pass|secret|token|key)$/;

/**
 * What to write before the value of the member `key` when the value is scanned: the key's words and a gap, '' for a
 * key that is not words. Only lower-case letters, spaces and underscores, which no built-in recognizer takes for
 * personal data.
 *
 * The gap is that of a form or config file, `date of birth = 14/03/1985`: the recognizers of labelled numbers (SSN,
 * passport, national ids, dates of birth) take it, while those of names and addresses take only prose cues (`name:`,
 * `patient`, `I live at`), so `{"fileName": "Report Q3"}` and `{"tenant": "Default Tenant"}` are not taken for persons.
 * A key that names a person's name (`firstName`, `nachname`) or a postal address (`homeAddress`, `addressLine1`) gets
 * `: `, so its value is read as a name or an address, and so does a key that names a street or a postcode, which the
 * address recognizer reads as a form's field (`street: Dickens Gate`).
 */
export function labelPrefix(key: string): string {
  const words = keyWords(key);
  if (words === '') return '';
  // The name cue is `name:`: a person's name key without the word (`surname`, `Nachname`, FHIR's `family`) gets it.
  if (PERSON_NAME_FIELD.test(words)) return words.endsWith(' name') ? `${words}: ` : `${words}, name: `;
  // A credential's key is written as a config file's line, `db_password: …`, where a value of letters alone counts.
  if (CREDENTIAL_FIELD.test(words)) return `${words.replaceAll(' ', '_')}: `;
  const field = [POSTAL_ADDRESS_FIELD, STREET_KEY, POSTCODE_KEY].some((re) => re.test(words));
  return field ? `${words}: ` : `${words} = `;
}
