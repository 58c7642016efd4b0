/**
 * The Bot API stand-in is a product tool now (tools/telegram-sim/, run as
 * `phoenix telegram-sim`); tests keep their old name for it.
 */
export { BotApiSim as FakeBotApi, type BotApiSimOptions as FakeBotApiOptions, type Failure, type RecordedCall, type SentMessage } from '../../tools/telegram-sim/botApi.ts';
