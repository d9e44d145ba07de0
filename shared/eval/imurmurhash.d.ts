/** Types for `imurmurhash` (the hash `@openfeature/flagd-core` uses), needed by the differential test only. */
declare module 'imurmurhash' {
  class MurmurHash3 {
    constructor(key?: string, seed?: number);
    hash(key: string): this;
    result(): number;
  }
  export default MurmurHash3;
}
