/**
 * The acknowledgement code tables we emit, worded as in ../shared/fixtures/x12/reference/
 * (997-ack-codes.csv, ta1-ack-codes.csv). A test holds these tables to the CSVs, so a code we send
 * always means what the partner's translator thinks it means.
 */

/** TA105 interchange note codes. */
export const TA1_NOTE_CODES = {
  "000": "Success",
  "001": "The Interchange Control Numbers in the header ISA 13 and trailer IEA02 do not match",
  "002": "Standard in ISA11 (Control Standards) is not supported",
  "003": "Version of the controls is not supported",
  "004": "Segment Terminator is Invalid",
  "005": "Invalid Interchange ID Qualifier for Sender",
  "006": "Invalid Interchange Sender ID",
  "007": "Invalid Interchange ID Qualifier for Receiver",
  "008": "Invalid Interchange Receiver ID",
  "009": "Unknown Interchange Receiver ID",
  "010": "Invalid Authorization Information Qualifier value",
  "011": "Invalid Authorization Information value",
  "012": "Invalid Security Information Qualifier value",
  "013": "Invalid Security Information value",
  "014": "Invalid Interchange Date value",
  "015": "Invalid Interchange Time value",
  "016": "Invalid Interchange Standards Identifier value",
  "017": "Invalid Interchange Version ID value",
  "018": "Invalid Interchange Control Number value",
  "019": "Invalid Acknowledgment Requested value",
  "020": "Invalid Test Indicator value",
  "021": "Invalid Number of Included Groups value",
  "022": "Invalid Control Structure",
  "023": "Improper (Premature) End-of-File (Transmission)",
  "024": "Invalid Interchange Content, for example, Invalid GS segment",
  "025": "Duplicate Interchange Control Number",
  "026": "Invalid Data Element Separator",
  "027": "Invalid Component Element Separator",
} as const;
export type Ta1NoteCode = keyof typeof TA1_NOTE_CODES;

/** TA104 / AK501 / AK901 acknowledgement codes we use. */
export type AckStatus = "A" | "E" | "P" | "R";

/** AK304 segment syntax error codes. */
export const AK304_CODES = {
  "1": "Unrecognized segment ID",
  "2": "Unexpected segment",
  "3": "Mandatory segment missing",
  "4": "Loop occurs over maximum times",
  "5": "Segment exceeds maximum use",
  "6": "Segment not in defined transaction set",
  "7": "Segment not in proper sequence",
  "8": "Segment has data element errors",
} as const;
export type Ak304Code = keyof typeof AK304_CODES;

/** AK403 data element syntax error codes. */
export const AK403_CODES = {
  "1": "Mandatory data element missing",
  "2": "Conditional required data element missing",
  "3": "Too many data elements",
  "4": "Data element is too short",
  "5": "Data element is too long",
  "6": "Invalid character in data element",
  "7": "Invalid code value",
  "8": "Invalid date",
  "9": "Invalid time",
  "10": "Exclusion condition violated",
} as const;
export type Ak403Code = keyof typeof AK403_CODES;

/** AK502-AK506 transaction set syntax error codes. */
export const AK5_CODES = {
  "1": "Transaction set not supported",
  "2": "Transaction set trailer missing",
  "3": "Transaction set control number in header and trailer do not match",
  "4": "Number of included segments does not match actual count",
  "5": "One or more segments in error",
  "6": "Missing or invalid transaction set identifier",
  "7": "Missing or invalid transaction set control number, a duplicate transaction number may have occurred",
} as const;
export type Ak5Code = keyof typeof AK5_CODES;

/** AK905-AK909 functional group syntax error codes. */
export const AK9_CODES = {
  "1": "Functional group not supported",
  "2": "Functional group version not supported",
  "3": "Functional group trailer missing",
  "4": "Group control number in the functional group header and trailer do not agree",
  "5": "Number of included transaction sets does not match actual count",
  "6": "Group control number violates syntax, a duplicate group control number may have occurred",
} as const;
export type Ak9Code = keyof typeof AK9_CODES;
