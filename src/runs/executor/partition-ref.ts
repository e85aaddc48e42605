/** One exact asset × partition row (null = the unpartitioned row). Unlike a query, null never means "any". */
export interface PartitionRef {
  assetId: string;
  partitionKey: string | null;
}
