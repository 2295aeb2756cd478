"""tap-bitfinex: Bitfinex v2 public REST (ticker, trades, candles, order book) as a Singer tap."""
