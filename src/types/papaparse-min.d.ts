// papaparse's own minified build (its package.json's "browser" file): the same API as "papaparse".
declare module "papaparse/papaparse.min.js" {
  import Papa from "papaparse";
  export default Papa;
}
