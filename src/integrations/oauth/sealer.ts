/** What the OAuth module needs of the key ring: authenticated encryption bound to a context. */
export interface Sealer {
  encrypt(plaintext: string, context: string): string;
  decrypt(sealed: string, context: string): string;
}
